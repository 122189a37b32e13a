import type { ApiError, DocumentInfo, DocumentStatus, TextBox } from '../../../preload/contract/index.js';
import nodePath from 'node:path';
import { Claims } from './claims.js';
import { prepared, type Db } from './database.js';
import { newId } from './migrations.js';
import type { VectorStore } from './vectors.js';

export type PageKind = 'text' | 'image-only' | 'empty';

export interface PageRecord {
  pageNumber: number;
  kind: PageKind;
  text: string;
  /** The page's view box in PDF user space: [x0, y0, x1, y1]. */
  view: [number, number, number, number];
  rotation: number;
}

export interface ChunkRecord {
  pageNumber: number;
  charStart: number;
  charEnd: number;
  tokenCount: number;
  text: string;
  boxes: TextBox[];
  vector: Float32Array;
}

interface DocumentRow {
  id: number;
  content_hash: string;
  path: string;
  title: string;
  page_count: number | null;
  status: DocumentStatus;
  error_code: string | null;
  error_message: string | null;
  replaces_id: number | null;
  added_at: string;
  pages_indexed: number;
  chunk_count: number;
  image_only: string | null;
}

const SELECT_DOCUMENT = `
  SELECT d.*,
    (SELECT count(*) FROM pages p WHERE p.document_id = d.id) AS pages_indexed,
    (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunk_count,
    (SELECT group_concat(page_number) FROM pages p WHERE p.document_id = d.id AND p.kind = 'image-only') AS image_only
  FROM documents d`;

function toInfo(row: DocumentRow): DocumentInfo {
  return {
    id: row.id,
    title: row.title,
    path: row.path,
    contentHash: row.content_hash,
    pages: row.page_count,
    pagesIndexed: row.pages_indexed,
    imageOnlyPages: row.image_only ? row.image_only.split(',').map(Number).sort((a, b) => a - b) : [],
    chunks: row.chunk_count,
    status: row.status,
    error: row.error_code ? ({ code: row.error_code, message: row.error_message ?? '' } as ApiError) : null,
    addedAt: row.added_at,
  };
}

export interface NewDocument {
  contentHash: string;
  path: string;
  title: string;
  fileSize: number;
  fileMtimeMs: number;
  replacesId: number | null;
}

const ANY_READY = `SELECT 1 FROM documents WHERE status = 'ready' LIMIT 1`;

/**
 * Documents, their pages and chunks. Every write that touches chunks goes through one
 * transaction together with the chunks' FTS rows (by trigger) and vectors.
 */
export class DocumentStore {
  private readonly claims: Claims;

  constructor(
    private readonly db: Db,
    private readonly vectors: () => VectorStore | null,
  ) {
    this.claims = new Claims(db, 'ingest_claims', 'content_hash');
    // Asked twice on the way to every answer's first token: prepared when the library opens.
    prepared(db, ANY_READY);
  }

  get(id: number): DocumentInfo | null {
    const row = prepared(this.db, `${SELECT_DOCUMENT} WHERE d.id = ?`).get(id) as DocumentRow | undefined;
    return row ? toInfo(row) : null;
  }

  list(): DocumentInfo[] {
    return (prepared(this.db, `${SELECT_DOCUMENT} ORDER BY d.id`).all() as DocumentRow[]).map(toInfo);
  }

  /**
   * Takes the right to index a file's bytes for `owner` (one ingest of one file), unless another
   * owner holds it: a job in this process, or in another process that is still running and has
   * renewed its claim within CLAIM_STALE_MS. A claim left by a process that died is taken over.
   */
  claim(contentHash: string, owner: string): boolean {
    return this.claims.take(contentHash, owner);
  }

  /**
   * Runs `write` in one transaction with the check that `owner` still holds its claim on
   * `contentHash`; writes nothing and returns false if another ingest has taken it over (this
   * one was silent, as a laptop asleep, for longer than CLAIM_STALE_MS).
   */
  whileClaimed(contentHash: string, owner: string, write: () => void): boolean {
    return this.db
      .transaction(() => {
        if (!this.claims.holds(contentHash, owner)) return false;
        write();
        return true;
      })
      .immediate();
  }

  /** Whether an ingest still running (in this process or another) is indexing these bytes. */
  beingIndexed(contentHash: string): boolean {
    return this.claims.heldByAnyone(contentHash);
  }

  /** Says the claim's owner is still at work (a long document). */
  renewClaim(contentHash: string, owner: string): void {
    this.claims.renew(contentHash, owner);
  }

  releaseClaim(contentHash: string, owner: string): void {
    this.claims.release(contentHash, owner);
  }

  findByHash(contentHash: string): DocumentInfo | null {
    const row = prepared(this.db, `${SELECT_DOCUMENT} WHERE d.content_hash = ?`).get(contentHash) as
      | DocumentRow
      | undefined;
    return row ? toInfo(row) : null;
  }

  /** The document currently shown for a path (the newest ready one), if any. */
  findReadyByPath(path: string): DocumentInfo | null {
    const row = prepared(this.db, `${SELECT_DOCUMENT} WHERE d.path = ? AND d.status = 'ready' ORDER BY d.id DESC LIMIT 1`)
      .get(path) as DocumentRow | undefined;
    return row ? toInfo(row) : null;
  }

  replacesId(id: number): number | null {
    const row = prepared(this.db, `SELECT replaces_id FROM documents WHERE id = ?`).get(id) as
      | { replaces_id: number | null }
      | undefined;
    return row?.replaces_id ?? null;
  }

  create(doc: NewDocument): number {
    const now = new Date().toISOString();
    const result = prepared(
      this.db,
      `INSERT INTO documents(id, content_hash, path, title, page_count, status, file_size, file_mtime_ms, replaces_id, added_at, updated_at)
       VALUES (${newId('documents')}, ?, ?, ?, NULL, 'pending', ?, ?, ?, ?, ?)`,
    )
      .run(doc.contentHash, doc.path, doc.title, doc.fileSize, Math.trunc(doc.fileMtimeMs), doc.replacesId, now, now);
    return Number(result.lastInsertRowid);
  }

  /**
   * Same bytes seen at another path: remember where the file is now. A title that was the file's
   * name (the PDF named none) becomes the new name.
   */
  updatePath(id: number, path: string): void {
    const title = this.titleAt(id, path);
    if (title === undefined) return;
    prepared(this.db, `UPDATE documents SET path = ?, title = ?, updated_at = ? WHERE id = ?`).run(path, title, new Date().toISOString(), id);
  }

  /**
   * An unfinished document's bytes found at another path: it is there now, and replaces what is
   * indexed there. Its title follows as in updatePath (a failed copy listed under one file's name
   * and another's path, before).
   */
  moveUnfinished(id: number, path: string, replacesId: number | null): void {
    const title = this.titleAt(id, path);
    if (title === undefined) return;
    prepared(this.db, `UPDATE documents SET path = ?, title = ?, replaces_id = ?, updated_at = ? WHERE id = ? AND status != 'ready'`).run(
      path,
      title,
      replacesId,
      new Date().toISOString(),
      id,
    );
  }

  /** The title document `id` has at `path`: a title that was its file's name becomes the new name. */
  private titleAt(id: number, path: string): string | undefined {
    const row = prepared(this.db, `SELECT path, title FROM documents WHERE id = ?`).get(id) as { path: string; title: string } | undefined;
    return row && (row.title === fileTitle(row.path) ? fileTitle(path) : row.title);
  }

  startIndexing(id: number, pageCount: number, title: string): void {
    prepared(
      this.db,
      `UPDATE documents SET status = 'indexing', page_count = ?, title = ?, error_code = NULL, error_message = NULL, updated_at = ? WHERE id = ?`,
    )
      .run(pageCount, title, new Date().toISOString(), id);
  }

  /** One page batch: pages, chunks, FTS rows and vectors commit together or not at all. */
  commitPages(documentId: number, pages: readonly PageRecord[], chunks: readonly ChunkRecord[]): void {
    const vectors = this.vectors();
    if (!vectors && chunks.length > 0) throw new Error('The library has no vector table yet.');
    const insertPage = prepared(this.db, `INSERT INTO pages(document_id, page_number, kind, text, view, rotation) VALUES (?, ?, ?, ?, ?, ?)`);
    const insertChunk = prepared(
      this.db,
      `INSERT INTO chunks(document_id, page_number, char_start, char_end, token_count, text, boxes)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const page of pages) {
        insertPage.run(documentId, page.pageNumber, page.kind, page.text, JSON.stringify(page.view), page.rotation);
      }
      for (const chunk of chunks) {
        const { lastInsertRowid } = insertChunk.run(
          documentId,
          chunk.pageNumber,
          chunk.charStart,
          chunk.charEnd,
          chunk.tokenCount,
          chunk.text,
          JSON.stringify(chunk.boxes),
        );
        vectors!.insert(Number(lastInsertRowid), documentId, chunk.vector);
      }
      prepared(this.db, `UPDATE documents SET updated_at = ? WHERE id = ?`).run(new Date().toISOString(), documentId);
    })();
  }

  /**
   * Marks a document ready and, in the same transaction, removes the older version it replaces
   * and whatever else is recorded at its path: they describe bytes no longer there. Unless the
   * file changed while it was read (`ownsPath` false): then what is at the path now is not this
   * document, and the next ingest of the path sorts it out.
   */
  markReady(id: number, { ownsPath = true } = {}): void {
    this.db.transaction(() => {
      if (ownsPath) {
        const replaces = this.replacesId(id);
        if (replaces !== null) this.deleteRows(replaces, true);
        const { path } = prepared(this.db, `SELECT path FROM documents WHERE id = ?`).get(id) as { path: string };
        this.removeOthersAt(path, id);
      }
      prepared(this.db, `UPDATE documents SET status = 'ready', error_code = NULL, error_message = NULL, replaces_id = NULL, updated_at = ? WHERE id = ?`)
        .run(new Date().toISOString(), id);
    })();
  }

  /** A failed document keeps its row and error, and nothing else: no pages, chunks or vectors. */
  markFailed(id: number, error: ApiError): void {
    this.db.transaction(() => {
      this.deleteRows(id, false);
      prepared(
        this.db,
        `UPDATE documents SET status = 'failed', error_code = ?, error_message = ?, replaces_id = NULL, updated_at = ? WHERE id = ?`,
      )
        .run(error.code, error.message, new Date().toISOString(), id);
    })();
  }

  /**
   * Removes every document at `path` but `keep`, whose bytes are the file there now: a failed
   * attempt, a version the file no longer has (copied over, or changed while an ingest of it was
   * interrupted), except one that an ingest still running (here or in another process) claims.
   */
  removeOthersAt(path: string, keep: number): void {
    this.db.transaction(() => {
      const others = prepared(this.db, `SELECT id, content_hash AS contentHash, status FROM documents WHERE path = ? AND id != ?`).all(path, keep) as {
        id: number;
        contentHash: string;
        status: DocumentStatus;
      }[];
      for (const other of others) {
        if (other.status === 'ready' || other.status === 'failed' || !this.claims.heldByAnyone(other.contentHash)) this.deleteRows(other.id, true);
      }
    })();
  }

  remove(id: number): boolean {
    let found = false;
    this.db.transaction(() => {
      found = prepared(this.db, `SELECT 1 FROM documents WHERE id = ?`).get(id) !== undefined;
      if (found) this.deleteRows(id, true);
    })();
    return found;
  }

  private deleteRows(id: number, includingDocument: boolean): void {
    // Chunk deletes fire the triggers that remove FTS rows and vectors.
    this.vectors()?.invalidate();
    prepared(this.db, `DELETE FROM chunks WHERE document_id = ?`).run(id);
    prepared(this.db, `DELETE FROM pages WHERE document_id = ?`).run(id);
    if (includingDocument) prepared(this.db, `DELETE FROM documents WHERE id = ?`).run(id);
  }

  /** Whether anything is searchable yet (cheap: no per-document counts). */
  hasReady(): boolean {
    return prepared(this.db, ANY_READY).get() !== undefined;
  }

  counts(): { documents: number; chunks: number } {
    return prepared(this.db, `SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks`).get() as {
      documents: number;
      chunks: number;
    };
  }

  /** Documents interrupted mid-ingestion (the process died): candidates for resuming. */
  interrupted(): DocumentInfo[] {
    return (prepared(this.db, `${SELECT_DOCUMENT} WHERE d.status IN ('pending', 'indexing') ORDER BY d.id`).all() as DocumentRow[]).map(
      toInfo,
    );
  }
}

/** The title of a document whose PDF names none: its file name without the extension. */
export function fileTitle(file: string): string {
  return nodePath.basename(file, nodePath.extname(file));
}
