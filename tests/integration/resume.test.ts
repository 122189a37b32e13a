import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GEOTOPO, REPO_ROOT } from '../fixtures/paths.js';
import { ingest, models, openCore, rowCounts, tempDb, tempDir, value } from './helpers.js';

function chunksByPage(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT page_number, char_start, char_end, text FROM chunks ORDER BY page_number, char_start, id').all() as {
    page_number: number; char_start: number; char_end: number; text: string;
  }[];
  db.close();
  return rows.map((r) => `${r.page_number}:${r.char_start}-${r.char_end}:${r.text}`);
}

describe('an ingestion killed mid-document', () => {
  it('keeps exactly the committed page batches and resumes from there', async () => {
    const dbPath = tempDb();
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'tests/integration/crash-child.ts'), dbPath, models.embeddingModel, GEOTOPO, '40'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(child.signal, child.stderr).toBe('SIGKILL');

    // After the crash: whole batches only, and every chunk has its FTS row and vector.
    const db = new Database(dbPath, { readonly: true });
    const doc = db.prepare('SELECT id, status, page_count FROM documents').get() as { id: number; status: string; page_count: number };
    const pages = db.prepare('SELECT page_number FROM pages ORDER BY page_number').pluck().all() as number[];
    const maxChunkPage = db.prepare('SELECT max(page_number) FROM chunks').pluck().get() as number;
    db.close();
    expect(doc).toMatchObject({ status: 'indexing', page_count: 117 });
    expect(pages.length).toBeGreaterThanOrEqual(40);
    expect(pages.length).toBeLessThan(117);
    expect(pages.length % 4).toBe(0);
    expect(pages).toEqual(Array.from({ length: pages.length }, (_, i) => i + 1));
    expect(maxChunkPage).toBeLessThanOrEqual(pages.length);
    const crashed = rowCounts(dbPath);
    expect(crashed.fts).toBe(crashed.chunks);
    expect(crashed.vectors).toBe(crashed.chunks);

    // Interrupted documents are not searchable until they finish.
    const core = openCore({ dbPath });
    try {
      expect(value(await core.search({ query: 'Topologie', k: 5, mode: 'keyword' })).hits).toEqual([]);
      // Asked for by id, it says its ingest stopped and how to resume it (no ingest of it runs).
      expect(await core.search({ query: 'Topologie', k: 5, mode: 'keyword', documentIds: [doc.id] })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', message: expect.stringMatching(/was not fully indexed: its ingest stopped before the end\. Ingest .*GeoTopo.* again to resume it/) },
      });
      const [resumed] = await ingest(core, [GEOTOPO]);
      expect(resumed).toMatchObject({ outcome: 'resumed', documentId: doc.id, pages: 117 });
      expect(value(await core.search({ query: 'Topologie', k: 5, mode: 'keyword' })).hits.length).toBe(5);
    } finally {
      await core.close();
    }

    // The resumed library holds exactly what an uninterrupted run produces.
    const freshDb = tempDb();
    const fresh = openCore({ dbPath: freshDb, ingest: { pagesPerBatch: 4 } });
    try {
      await ingest(fresh, [GEOTOPO]);
    } finally {
      await fresh.close();
    }
    expect(chunksByPage(dbPath)).toEqual(chunksByPage(freshDb));
    const done = rowCounts(dbPath);
    expect(done).toEqual(rowCounts(freshDb));
    expect(done.pages).toBe(117);
  });
});

describe('the embedding model the index was built with', () => {
  it('refuses another model, with a message that says what to do', async () => {
    const { writeEmbeddingModel } = await import('../fixtures/gguf/models.js');
    const otherModel = path.join(tempDir(), 'other-embedding.gguf');
    writeEmbeddingModel(otherModel, { seed: 99, dimensions: 32 });
    const dbPath = tempDb();
    const first = openCore({ dbPath });
    await ingest(first, [path.join(REPO_ROOT, 'tests/.generated/pdfs/known-facts.pdf')]);
    await first.close();

    const other = openCore({ dbPath, embeddingModelPath: otherModel });
    try {
      for (const result of [await other.search({ query: 'Zanzibar accord' }), await other.ingest({ paths: [GEOTOPO] })]) {
        expect(result).toMatchObject({ ok: false, error: { code: 'EMBEDDING_MODEL_MISMATCH' } });
        if (!result.ok) expect(result.error.message).toMatch(/original model[\s\S]*new library/);
      }
      // Keyword search needs no embedding model and still works.
      expect(value(await other.search({ query: 'Zanzibar accord', mode: 'keyword' })).hits.length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }

    // Without naming a model, the library uses the one it was built with.
    const same = openCore({ dbPath, embeddingModelPath: undefined });
    try {
      expect(value(await same.search({ query: 'Zanzibar accord' })).hits[0]?.page).toBe(1);
      expect(value(await same.libraryInfo({})).embeddingModel).toMatchObject({ path: models.embeddingModel, dimensions: 64 });
    } finally {
      await same.close();
    }
  });

  it('binds a new library to the model chosen at run time, and refuses another after', async () => {
    const dbPath = tempDb();
    const core = openCore({ dbPath, embeddingModelPath: undefined });
    const otherModel = path.join(tempDir(), 'other-embedding.gguf');
    const { writeEmbeddingModel } = await import('../fixtures/gguf/models.js');
    writeEmbeddingModel(otherModel, { seed: 7, dimensions: 32 });
    try {
      expect(value(await core.libraryInfo({})).embeddingModel).toBeNull();
      expect(await core.setEmbeddingModel({ path: '/nowhere.gguf' })).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_FOUND' } });
      expect(await core.setEmbeddingModel({ path: models.chatModel })).toMatchObject({ ok: false, error: { code: 'MODEL_INVALID', message: expect.stringMatching(/is not an embedding model/) } });
      expect(value(await core.libraryInfo({})).embeddingModel).toBeNull();
      expect(value(await core.setEmbeddingModel({ path: models.embeddingModel }))).toMatchObject({ dimensions: 64 });
      await ingest(core, [path.join(REPO_ROOT, 'tests/.generated/pdfs/known-facts.pdf')]);
      expect(await core.setEmbeddingModel({ path: otherModel })).toMatchObject({ ok: false, error: { code: 'EMBEDDING_MODEL_MISMATCH' } });
      // The model in use stays.
      expect(value(await core.search({ query: 'Zanzibar accord' })).hits.length).toBeGreaterThan(0);
    } finally {
      await core.close();
    }
  });

  it('asks for a model when the library has none', async () => {
    const core = openCore({ embeddingModelPath: undefined });
    try {
      expect(await core.ingest({ paths: [GEOTOPO] })).toMatchObject({ ok: false, error: { code: 'EMBEDDING_MODEL_REQUIRED' } });
      expect(await openCore({ embeddingModelPath: '/nonexistent/model.gguf' }).search({ query: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'MODEL_NOT_FOUND' },
      });
    } finally {
      await core.close();
    }
  });
});
