import fs from 'node:fs/promises';
import { DocumentId, err, ok, type DocumentInfo, type Result } from '../../preload/contract/index.js';
import { errorMessage } from '../core/errors.js';

type ReadFile = (file: string) => Promise<Uint8Array>;

/**
 * The bytes of a library document, for the viewer. Only a file the library lists may be read:
 * the renderer names a document id, never a path.
 */
export async function readDocumentData(
  library: { getDocument(documentId: number): DocumentInfo | null },
  input: unknown,
  readFile: ReadFile = (file) => fs.readFile(file),
): Promise<Result<Uint8Array>> {
  const id = DocumentId.safeParse(input);
  if (!id.success) return err('INVALID_INPUT', 'A document id is a positive whole number.');
  const document = library.getDocument(id.data);
  if (!document) return err('NOT_FOUND', `There is no document with id ${id.data}.`);
  try {
    const bytes = await readFile(document.path);
    return ok(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return err('FILE_NOT_FOUND', `The file of “${document.title}” is no longer at ${document.path}.`);
    }
    return err('INTERNAL', `Could not read ${document.path}: ${errorMessage(error)}`);
  }
}
