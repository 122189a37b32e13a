import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ApiError, IngestFileResult, IngestProgressEvent } from '../../../preload/contract/index.js';
import type { Embedder } from '../llm/embedder.js';
import { CLAIM_STALE_MS, ignoreFailure } from '../store/claims.js';
import { fileTitle, type ChunkRecord, type DocumentStore, type PageRecord } from '../store/documents.js';
import { normalize } from '../store/vectors.js';
import { chunkText } from './chunker.js';
import { boxesForSpan } from './layout.js';
import type { DocumentInfo, ExtractedPage } from './pdf-worker.js';
import { PageQueue, splitPages } from './page-queue.js';
import { TimeBudget, type PdfWorkerPool } from './worker-pool.js';
import { errorMessage } from '../errors.js';

export interface IngestSettings {
  /** Pages per committed batch (one transaction). */
  pagesPerBatch: number;
  /** Limit on the worker time parsing one document may use. */
  documentTimeoutMs: number;
  maxChunkTokens: number;
  overlapTokens: number;
}

export const DEFAULT_INGEST_SETTINGS: IngestSettings = {
  pagesPerBatch: 8,
  documentTimeoutMs: 120_000,
  maxChunkTokens: 256,
  overlapTokens: 32,
};

export interface IngestCallbacks {
  signal?: AbortSignal;
  onProgress?: (event: Omit<IngestProgressEvent, 'jobId'>) => void;
  onFileDone?: (result: IngestFileResult) => void;
}

/** Runs a write of an ingest if the ingest still holds its claim on the file's bytes; else throws ClaimLost. */
type Claimed = (write: () => void) => void;

/** Another ingest of the same bytes took the claim over: this one writes nothing more. */
class ClaimLost extends Error {}

const TAKEN_OVER = 'Another ingest of this file took it over (this one had been silent, as when the computer sleeps, for over 10 minutes); it finishes the document.';

/** Why a file could not be read, in words. */
function unreadable(file: string, error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `There is no file at ${file}.`;
    case 'ELOOP':
      return `${file} is a symbolic link that leads back to itself.`;
    case 'EACCES':
    case 'EPERM':
      return `Docent may not read ${file} (permission denied).`;
    default:
      return `Could not read ${file}: ${errorMessage(error)}`;
  }
}

/** How often an ingest waiting for another one's claim on the same bytes looks again. */
const CLAIM_POLL_MS = 200;

class IngestFailure extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

/** A worker opens the PDF once per range; smaller ranges would cost more in re-parsing than they gain. */
const MIN_PAGES_PER_RANGE = 16;

/** How many embedding calls stay queued, so the model never waits on us. */
const EMBED_IN_FLIGHT = 4;

/**
 * PDF -> pages -> chunks -> vectors. Page ranges are parsed in parallel by the worker pool;
 * results are chunked, embedded and committed in page order, one transaction per range, so
 * a document always records exactly which pages are indexed and a killed run resumes there.
 */
export class Ingestor {
  constructor(
    private readonly store: DocumentStore,
    private readonly pool: PdfWorkerPool,
    private readonly embedder: Embedder,
    private readonly settings: IngestSettings = DEFAULT_INGEST_SETTINGS,
  ) {}

  /** Ingests files with as many documents in flight as there are workers. */
  async ingestFiles(files: readonly string[], callbacks: IngestCallbacks = {}): Promise<IngestFileResult[]> {
    const results: IngestFileResult[] = new Array(files.length);
    let next = 0;
    const lane = async () => {
      while (next < files.length) {
        const index = next++;
        results[index] = await this.ingestFile(files[index]!, callbacks);
        callbacks.onFileDone?.(results[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.pool.threads, files.length) }, lane));
    return results;
  }

  async ingestFile(file: string, callbacks: IngestCallbacks = {}): Promise<IngestFileResult> {
    const filePath = path.resolve(file);
    const result = (fields: Partial<IngestFileResult>): IngestFileResult => ({
      path: filePath,
      documentId: null,
      outcome: 'failed',
      pages: null,
      chunks: 0,
      imageOnlyPages: [],
      error: null,
      ...fields,
    });
    if (callbacks.signal?.aborted) return result({ outcome: 'cancelled', error: { code: 'CANCELLED', message: 'Cancelled.' } });

    let bytes: Buffer;
    let stat: Awaited<ReturnType<typeof fs.stat>>;
    try {
      stat = await fs.stat(filePath);
      if (!stat.isFile()) return result({ error: { code: 'FILE_NOT_FOUND', message: `${filePath} is not a file.` } });
      bytes = await fs.readFile(filePath);
    } catch (error) {
      return result({ error: { code: 'FILE_NOT_FOUND', message: unreadable(filePath, error) } });
    }
    const contentHash = createHash('sha256').update(bytes).digest('hex');

    // One ingest of these bytes at a time, in this process or another: a second one waits, then
    // finds them indexed (or resumes what the first left).
    const owner = randomUUID();
    if (!(await this.claim(contentHash, owner, callbacks.signal))) {
      return result({ outcome: 'cancelled', error: { code: 'CANCELLED', message: 'Cancelled.' } });
    }
    // A renewal or release that fails (the file locked by another writer for seconds) is retried
    // by the next renewal, or left to be taken over: it must not end the process or the batch.
    const renewing = setInterval(() => ignoreFailure(() => this.store.renewClaim(contentHash, owner)), CLAIM_STALE_MS / 4);
    renewing.unref();
    // Every write of this ingest checks, in its transaction, that the claim is still this one's.
    const claimed: Claimed = (write) => {
      if (!this.store.whileClaimed(contentHash, owner, write)) throw new ClaimLost();
    };
    try {
      return await this.ingestClaimed(filePath, bytes, stat.mtimeMs, contentHash, claimed, result, callbacks);
    } catch (error) {
      if (!(error instanceof ClaimLost)) throw error;
      // Another ingest of these bytes took over: the document is its to finish.
      return result({ outcome: 'cancelled', error: { code: 'CANCELLED', message: TAKEN_OVER } });
    } finally {
      clearInterval(renewing);
      ignoreFailure(() => this.store.releaseClaim(contentHash, owner));
    }
  }

  /** Waits for the claim on these bytes; false if cancelled first. */
  private async claim(contentHash: string, owner: string, signal: AbortSignal | undefined): Promise<boolean> {
    while (!this.store.claim(contentHash, owner)) {
      if (signal?.aborted) return false;
      await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
    }
    return true;
  }

  private async ingestClaimed(
    filePath: string,
    bytes: Buffer,
    mtimeMs: number,
    contentHash: string,
    claimed: Claimed,
    result: (fields: Partial<IngestFileResult>) => IngestFileResult,
    callbacks: IngestCallbacks,
  ): Promise<IngestFileResult> {
    const existing = this.store.findByHash(contentHash);
    if (existing?.status === 'ready') {
      // The same bytes elsewhere: if the file was moved, follow it; a copy changes nothing.
      if (existing.path !== filePath && !(await exists(existing.path))) this.store.updatePath(existing.id, filePath);
      // Whatever else was indexed at this path is not what the file holds now.
      this.store.removeOthersAt(filePath, existing.id);
      return result({
        documentId: existing.id,
        outcome: 'unchanged',
        pages: existing.pages,
        chunks: existing.chunks,
        imageOnlyPages: existing.imageOnlyPages,
      });
    }
    const resuming = existing !== null && existing.status !== 'failed' && existing.pagesIndexed > 0;
    // An unfinished or failed entry for these bytes, recorded at another path: they are at this
    // one now, and it is the version at this path (not the old one) they will replace.
    if (existing && existing.path !== filePath) this.store.moveUnfinished(existing.id, filePath, this.store.findReadyByPath(filePath)?.id ?? null);
    const documentId =
      existing?.id ??
      this.store.create({
        contentHash,
        path: filePath,
        title: fileTitle(filePath),
        fileSize: bytes.length,
        fileMtimeMs: mtimeMs,
        // The same path with other bytes: the new version replaces the old once it is ready.
        replacesId: this.store.findReadyByPath(filePath)?.id ?? null,
      });

    try {
      const check = precheck(bytes);
      if (check) throw new IngestFailure(check);
      await this.index(documentId, filePath, { size: bytes.length, mtimeMs }, claimed, callbacks);
    } catch (error) {
      if (error instanceof ClaimLost) throw error;
      const apiError: ApiError =
        error instanceof IngestFailure
          ? error.apiError
          : { code: 'INTERNAL', message: `Indexing failed: ${errorMessage(error)}` };
      if (apiError.code === 'CANCELLED') {
        // A cancelled document is removed whole; the version it would have replaced stays.
        claimed(() => this.store.remove(documentId));
        return result({ outcome: 'cancelled', error: apiError });
      }
      // Removed meanwhile (here or by another process): its next batch had nowhere to go.
      if (!this.store.get(documentId)) {
        return result({ outcome: 'cancelled', error: { code: 'CANCELLED', message: 'The document was removed while it was being indexed.' } });
      }
      claimed(() => this.store.markFailed(documentId, apiError));
      const failed = this.store.get(documentId);
      return result({ documentId, pages: failed?.pages ?? null, error: apiError });
    }
    const doc = this.store.get(documentId)!;
    return result({
      documentId,
      outcome: resuming ? 'resumed' : 'ingested',
      pages: doc.pages,
      chunks: doc.chunks,
      imageOnlyPages: doc.imageOnlyPages,
    });
  }

  private async index(
    documentId: number,
    filePath: string,
    read: { size: number; mtimeMs: number },
    claimed: Claimed,
    callbacks: IngestCallbacks,
  ): Promise<void> {
    // Aborted when this document fails, so its other ranges stop too.
    const stopDocument = new AbortController();
    const signal = callbacks.signal ? AbortSignal.any([callbacks.signal, stopDocument.signal]) : stopDocument.signal;
    const budget = new TimeBudget(this.settings.documentTimeoutMs);

    // The first task counts the pages and reads on; the pages after its share go to the other workers.
    const current = this.store.get(documentId)!;
    const firstPage = current.pagesIndexed + 1;
    const queues = [new PageQueue()];
    let infoHeard = (_: DocumentInfo | ApiError) => {};
    const infoOrError = new Promise<DocumentInfo | ApiError>((resolve) => (infoHeard = resolve));
    void this.pool
      .extract(
        { path: filePath, fromPage: firstPage, toPage: firstPage + MIN_PAGES_PER_RANGE - 1, lead: { parts: this.pool.threads } },
        signal,
        budget,
        (page) => queues[0]!.push(page),
        (heard) => infoHeard(heard),
      )
      .then((result) => {
        queues[0]!.end(result.ok ? null : result.error);
        if (!result.ok) infoHeard(result.error);
      });
    const info = await infoOrError;
    if (!('pageCount' in info)) throw new IngestFailure(info);
    const pageCount = info.pageCount;
    if (pageCount === 0) throw new IngestFailure({ code: 'PDF_EMPTY', message: 'This PDF has no pages.' });
    const title = firstPage > 1 ? current.title : (info.title ?? current.title);
    claimed(() => this.store.startIndexing(documentId, pageCount, title));

    const report = (pagesDone: number) =>
      callbacks.onProgress?.({ path: filePath, documentId, pagesDone, pagesTotal: pageCount });
    report(firstPage - 1);

    // One contiguous range per other worker (each opens the PDF once and parses its fonts once);
    // pages stream back as they are read and are committed in order, a batch at a time.
    const restFrom = Math.max(firstPage, info.toPage + 1);
    const parts = Math.min(Math.max(1, this.pool.threads - 1), Math.ceil((pageCount - restFrom + 1) / MIN_PAGES_PER_RANGE));
    for (const [from, to] of splitPages(restFrom, pageCount, parts)) {
      const queue = new PageQueue();
      queues.push(queue);
      void this.pool
        .extract({ path: filePath, fromPage: from, toPage: to }, signal, budget, (page) => queue.push(page))
        .then((result) => queue.end(result.ok ? null : result.error));
    }
    let batch: ExtractedPage[] = [];
    const commit = async () => {
      if (batch.length === 0) return;
      const { pages, chunks } = await this.prepareBatch(batch);
      if (callbacks.signal?.aborted) throw new IngestFailure({ code: 'CANCELLED', message: 'Cancelled.' });
      claimed(() => this.store.commitPages(documentId, pages, chunks));
      report(batch.at(-1)!.pageNumber);
      batch = [];
    };
    try {
      for (const queue of queues) {
        for await (const page of queue) {
          batch.push(page);
          if (batch.length >= this.settings.pagesPerBatch) await commit();
        }
      }
      await commit();
    } catch (error) {
      stopDocument.abort();
      // A page queue ends with the worker's ApiError; anything else (a real Error) stays itself and becomes INTERNAL.
      throw error instanceof IngestFailure || error instanceof Error ? error : new IngestFailure(error as ApiError);
    }

    const doc = this.store.get(documentId)!;
    if (doc.chunks === 0) {
      const scanned = doc.imageOnlyPages.length;
      throw new IngestFailure({
        code: 'PDF_NO_TEXT',
        message:
          scanned > 0
            ? `This PDF has no text layer: its ${scanned === 1 ? 'page is an image' : `${scanned} pages are images`} (a scan?). Docent cannot read text from images yet.`
            : 'This PDF contains no text.',
      });
    }
    // Saved again while it was read, or another ingest's newer version is there now: this one is
    // kept, but takes the path from nothing.
    const now = await fs.stat(filePath).catch(() => null);
    claimed(() => this.store.markReady(documentId, { ownsPath: now !== null && now.size === read.size && now.mtimeMs === read.mtimeMs }));
  }

  private async prepareBatch(extracted: readonly ExtractedPage[]): Promise<{ pages: PageRecord[]; chunks: ChunkRecord[] }> {
    const pages: PageRecord[] = [];
    const pending: Omit<ChunkRecord, 'vector'>[] = [];
    const maxTokens = Math.min(this.settings.maxChunkTokens, this.embedder.maxInputTokens);
    const count = (text: string) => this.embedder.countTokens(text);
    for (const page of extracted) {
      pages.push({ pageNumber: page.pageNumber, kind: page.kind, text: page.text, view: page.view, rotation: page.rotation });
      if (page.kind !== 'text') continue;
      for (const span of chunkText(page.text, count, { maxTokens, overlapTokens: this.settings.overlapTokens })) {
        pending.push({
          pageNumber: page.pageNumber,
          charStart: span.start,
          charEnd: span.end,
          tokenCount: span.tokens,
          text: page.text.slice(span.start, span.end),
          boxes: boxesForSpan(page.spans, span.start, span.end),
        });
      }
    }
    const vectors = await mapLimited(pending, EMBED_IN_FLIGHT, (chunk) => this.embedder.embed(chunk.text));
    const chunks = pending.map((chunk, i) => ({ ...chunk, vector: normalize(vectors[i]!) }));
    return { pages, chunks };
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function precheck(bytes: Buffer): ApiError | null {
  if (bytes.length === 0) return { code: 'PDF_EMPTY', message: 'This file is empty (0 bytes).' };
  if (!bytes.subarray(0, 1024).includes('%PDF-')) {
    return { code: 'NOT_A_PDF', message: 'This file is not a PDF (it does not start with a PDF header).' };
  }
  return null;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
