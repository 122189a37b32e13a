import { z } from 'zod';

/** Stable error codes: callers branch on these, people read the message. */
export const ErrorCode = z.enum([
  'INVALID_INPUT',
  'NOT_FOUND',
  'FILE_NOT_FOUND',
  'NOT_A_PDF',
  'PDF_EMPTY',
  'PDF_ENCRYPTED',
  'PDF_CORRUPT',
  'PDF_NO_TEXT',
  'PDF_TIMEOUT',
  'PDF_TOO_LARGE',
  'CANCELLED',
  'EMBEDDING_MODEL_REQUIRED',
  'EMBEDDING_MODEL_MISMATCH',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'ADAPTER_MISMATCH',
  'LIBRARY_LOCKED',
  'LIBRARY_INVALID',
  'LIBRARY_READ_ONLY',
  'BUSY',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorSchema = z.object({ code: ErrorCode, message: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}
