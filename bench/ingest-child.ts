/**
 * One ingestion measurement in a fresh process with a fresh library, so that maxRSS is this
 * ingestion's peak (worker threads included). After a warm-up, the files are ingested twice
 * (copies first): the first pass shows a cold start, the second the steady state.
 * Prints one JSON line (ChildResult) on stdout.
 *
 *   node dist/bench/ingest-child.js model|hash MODEL.gguf WARMUP.pdf FILE.pdf...
 *
 * model: the real pipeline, createCore with the GGUF embedding model.
 * hash:  the same Ingestor with an embedder that never calls a model (vectors from a text hash,
 *        tokens counted as whitespace words x 1.3), to show what embedding costs.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { IngestFileResult } from '../preload/contract/index.js';
import { createCore } from '../main/core/index.js';
import { DEFAULT_INGEST_SETTINGS, Ingestor } from '../main/core/ingest/pipeline.js';
import { PdfWorkerPool } from '../main/core/ingest/worker-pool.js';
import type { Embedder } from '../main/core/llm/embedder.js';
import { openDatabase } from '../main/core/store/database.js';
import { DocumentStore } from '../main/core/store/documents.js';
import { writeEmbeddingModel } from '../main/core/store/meta.js';
import { createVectorTable, VectorStore } from '../main/core/store/vectors.js';
import { mulberry32, tempDir } from './util.js';

export interface ChildResult {
  /** The timed (second) pass: pdf.js already compiled in the workers. */
  pages: number;
  seconds: number;
  /** The first pass over the same files, right after the workers started. */
  firstPassPages: number;
  firstPassSeconds: number;
  maxRssMb: number;
  failed: string[];
}

type Ingest = (files: string[]) => Promise<IngestFileResult[]>;

const HASH_DIMENSIONS = 64;

function hashEmbedder(): Embedder {
  return {
    info: { path: 'hash', sha256: 'hash', dimensions: HASH_DIMENSIONS, name: 'hash' },
    maxInputTokens: 2040,
    countTokens: (text) => Math.ceil((text.match(/\S+/g)?.length ?? 0) * 1.3),
    embed(text) {
      let h = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      const next = mulberry32(h);
      return Promise.resolve(Float32Array.from({ length: HASH_DIMENSIONS }, () => next() - 0.5));
    },
    dispose: () => Promise.resolve(),
  };
}

async function withModel(dbPath: string, modelPath: string): Promise<{ ingest: Ingest; close: () => Promise<void> }> {
  const core = createCore({ dbPath, embeddingModelPath: modelPath });
  return {
    async ingest(paths) {
      const started = await core.ingest({ paths });
      if (!started.ok) throw new Error(started.error.message);
      return core.waitForIngest(started.value.jobId);
    },
    close: () => core.close(),
  };
}

async function withHash(dbPath: string): Promise<{ ingest: Ingest; close: () => Promise<void> }> {
  const embedder = hashEmbedder();
  const db = openDatabase(dbPath);
  writeEmbeddingModel(db, embedder.info);
  createVectorTable(db, HASH_DIMENSIONS);
  const vectors = new VectorStore(db, HASH_DIMENSIONS);
  const pool = new PdfWorkerPool();
  const ingestor = new Ingestor(new DocumentStore(db, () => vectors), pool, embedder, DEFAULT_INGEST_SETTINGS);
  // As createCore does: every queued page range listens on the job's signal.
  const signal = new AbortController().signal;
  setMaxListeners(0, signal);
  return {
    ingest: (files) => ingestor.ingestFiles(files, { signal }),
    async close() {
      await pool.close();
      db.close();
    },
  };
}

/** A copy with other bytes (a comment after %%EOF), so the library does not see it as already indexed. */
function copyOf(file: string, dir: string, tag: string): string {
  const copy = path.join(dir, `${tag}-${path.basename(file)}`);
  fs.writeFileSync(copy, Buffer.concat([fs.readFileSync(file), Buffer.from(`\n%${tag} ${randomUUID()}\n`)]));
  return copy;
}

async function timed(ingest: Ingest, files: string[]): Promise<{ seconds: number; results: IngestFileResult[] }> {
  const start = performance.now();
  const results = await ingest(files);
  return { seconds: (performance.now() - start) / 1000, results };
}

async function main(): Promise<void> {
  const [kind, modelPath, warmupSample, ...files] = process.argv.slice(2);
  if ((kind !== 'model' && kind !== 'hash') || !modelPath || !warmupSample || files.length === 0) {
    throw new Error('usage: ingest-child.js model|hash MODEL.gguf WARMUP.pdf FILE.pdf...');
  }
  const dir = tempDir('docent-bench-ingest');
  try {
    const dbPath = path.join(dir, 'library.sqlite');
    const pipeline = kind === 'model' ? await withModel(dbPath, modelPath) : await withHash(dbPath);
    // Two tiny documents at once: module loading, model loading, both workers started.
    await pipeline.ingest([copyOf(warmupSample, dir, 'warmup-1'), copyOf(warmupSample, dir, 'warmup-2')]);
    // The same files twice: the first pass still compiles pdf.js's hot paths in the workers.
    const first = await timed(pipeline.ingest, files.map((f, i) => copyOf(f, dir, `first-${i}`)));
    const warm = await timed(pipeline.ingest, files);
    await pipeline.close();
    const pages = (results: IngestFileResult[]) =>
      results.filter((r) => r.outcome === 'ingested').reduce((sum, r) => sum + (r.pages ?? 0), 0);
    const result: ChildResult = {
      pages: pages(warm.results),
      firstPassPages: pages(first.results),
      firstPassSeconds: first.seconds,
      seconds: warm.seconds,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      failed: warm.results.filter((r) => r.outcome !== 'ingested').map((r) => `${path.basename(r.path)} ${r.error?.code ?? r.outcome}`),
    };
    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
