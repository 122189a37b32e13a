import type { DocentApi, DocentEvents, MethodName } from './api.js';

/**
 * What the Electron preload exposes as `window.docent`: the contract's methods and events, plus
 * the two things only the desktop shell can do. Main and the preload share these channel names,
 * so no channel string is written twice.
 */
export interface DocentBridge extends DocentApi, DocentEvents {
  /** The path on disk of a dropped or picked `File` ('' for one that is not on disk). */
  getPathForFile(file: unknown): string;
  /** The bytes of a library document, for the viewer. Rejects with a readable message otherwise. */
  documentData(documentId: number): Promise<Uint8Array>;
}

/** IPC channel of a contract method: one `ipcMain.handle` per method. */
export function methodChannel<M extends MethodName>(method: M): `docent:${M}` {
  return `docent:${method}`;
}

/** Main -> renderer: `(name, payload)` of every contract event. */
export const EVENT_CHANNEL = 'docent:event';

/** Renderer -> main: a library document's bytes, as a Result. Not a contract method: it exists only in the shell. */
export const DOCUMENT_DATA_CHANNEL = 'docent-shell:documentData';
