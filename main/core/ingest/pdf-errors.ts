import type { ApiError } from '../../../preload/contract/index.js';
import { errorMessage } from '../errors.js';

/** Maps what pdf.js throws to our stable codes, with a message a person can act on. */
export function classifyPdfError(error: unknown): ApiError {
  const name = error instanceof Error ? error.name : '';
  const message = errorMessage(error);
  if (name === 'PasswordException') {
    return { code: 'PDF_ENCRYPTED', message: 'This PDF is protected by a password; Docent cannot read it.' };
  }
  if (name === 'InvalidPDFException' || name === 'FormatError' || name === 'UnknownErrorException') {
    return { code: 'PDF_CORRUPT', message: `This PDF is damaged and could not be read (${message.replace(/\.$/, '')}).` };
  }
  return { code: 'PDF_CORRUPT', message: `This PDF could not be read: ${message}` };
}
