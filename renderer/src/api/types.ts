import type { DocentApi, DocentEvents, Result } from '../../../preload/contract/index.js';

/** A file handed to the library: what the person chose, and where the core will read it. */
export interface AddedFile {
  name: string;
  path: string;
}

/** `lost`: the event stream is retrying by itself; `closed`: it gave up (Docent stopped or restarted). */
export type ConnectionState = 'connecting' | 'open' | 'lost' | 'closed' | 'unauthorized';

/**
 * The contract plus what differs between the doors: how a chosen file reaches the core and
 * how a document's bytes reach the viewer.
 */
export interface DocentClient extends DocentApi, DocentEvents {
  readonly door: 'electron' | 'http';
  /** Hands files (and in Electron, folders) to the core and starts one ingest job for all. */
  addFiles(files: readonly File[]): Promise<Result<{ jobId: string; files: AddedFile[] }>>;
  /** The bytes of an indexed document's PDF, for the viewer. */
  documentData(documentId: number): Promise<Uint8Array>;
  /** The local path of a chosen file, where the door can know it (Electron only). */
  pathForFile(file: File): string | null;
  /** The event stream's state; `reopened` fires after a reconnect, when events may have been missed. */
  onConnection(listener: (state: ConnectionState, reopened: boolean) => void): () => void;
}
