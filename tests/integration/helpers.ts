import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { afterAll } from 'vitest';
import type { IngestFileResult, Result } from '../../preload/contract/index.js';
import { createCore, type Core, type CoreOptions } from '../../main/core/index.js';
import { ensureFixtureModels } from '../fixtures/gguf/models.js';

export const models = ensureFixtureModels();

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-test-'));
  dirs.push(dir);
  return dir;
}

export function tempDb(): string {
  return path.join(tempDir(), 'library.sqlite');
}

export function openCore(options: Partial<CoreOptions> = {}): Core {
  return createCore({ dbPath: tempDb(), embeddingModelPath: models.embeddingModel, workerThreads: 2, ...options });
}

export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`Expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export async function ingest(core: Core, paths: string[]): Promise<IngestFileResult[]> {
  const { jobId } = value(await core.ingest({ paths }));
  return core.waitForIngest(jobId);
}

/** Row counts that DESIGN.md's invariants tie together, read through a separate connection. */
export function rowCounts(dbPath: string): { documents: number; pages: number; chunks: number; fts: number; vectors: number } {
  const db = new Database(dbPath, { readonly: true });
  sqliteVec.load(db);
  try {
    const count = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
    const hasVectors = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'chunk_embeddings'`).get() !== undefined;
    return {
      documents: count('SELECT count(*) FROM documents'),
      pages: count('SELECT count(*) FROM pages'),
      chunks: count('SELECT count(*) FROM chunks'),
      fts: count(`SELECT count(*) FROM chunks_fts_docsize`),
      vectors: hasVectors ? count('SELECT count(*) FROM chunk_embeddings') : 0,
    };
  } finally {
    db.close();
  }
}
