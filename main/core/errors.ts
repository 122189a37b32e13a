import type { ApiError, ErrorCode, Result } from '../../preload/contract/index.js';

/** An error the core expects and can explain: it becomes `{ ok: false, error }` at the doors. */
export class DocentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DocentError';
  }

  toApiError(): ApiError {
    return { code: this.code, message: this.message };
  }
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof DocentError) return error.toApiError();
  // SQLite's SQLITE_READONLY and its extended codes: the file (or, for the journal, its folder)
  // cannot be written, which the person can fix; not a fault inside Docent.
  if (String((error as { code?: unknown } | null)?.code ?? '').startsWith('SQLITE_READONLY')) {
    return {
      code: 'LIBRARY_READ_ONLY',
      message: `The library cannot be written: its file, or the folder it is in, is read-only (${errorMessage(error)}). Make both writable, or choose another library file.`,
    };
  }
  return { code: 'INTERNAL', message: `Something went wrong inside Docent: ${errorMessage(error)}` };
}

/** Runs core work and returns the doors' result shape; unexpected errors become INTERNAL. */
export async function toResult<T>(work: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}
