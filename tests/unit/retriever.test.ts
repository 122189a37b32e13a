import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Retriever } from '../../main/core/retrieval/hybrid.js';
import { openDatabase } from '../../main/core/store/database.js';
import { ConversationStore } from '../../main/core/store/conversations.js';
import { DocumentStore, type ChunkRecord } from '../../main/core/store/documents.js';
import { createVectorTable, VectorStore } from '../../main/core/store/vectors.js';

const DIMS = 8;

function addDocument(store: DocumentStore, name: string, texts: readonly string[]): number {
  const id = store.create({ contentHash: name, path: `/${name}.pdf`, title: name, fileSize: 1, fileMtimeMs: 0, replacesId: null });
  store.startIndexing(id, 1, name);
  const chunks: ChunkRecord[] = texts.map((text, i) => ({
    pageNumber: 1, charStart: 0, charEnd: text.length, tokenCount: 1, text, boxes: [],
    vector: Float32Array.from({ length: DIMS }, (_, d) => (d === i % DIMS ? 1 : 0.1)),
  }));
  store.commitPages(id, [{ pageNumber: 1, kind: 'text', text: texts.join('\n'), view: [0, 0, 100, 100], rotation: 0 }], chunks);
  store.markReady(id);
  return id;
}

/** 1000 chunks, enough for common words to be pruned: "alpha" in one, "beta" in one other. */
function rareAlphaAndBeta(): string[] {
  return Array.from({ length: 1000 }, (_, i) => (i === 1 ? 'alpha here' : i === 2 ? 'beta here' : `filler ${i}`));
}

function emptyLibrary() {
  const db = openDatabase(':memory:');
  createVectorTable(db, DIMS);
  const vectors = new VectorStore(db, DIMS);
  return { db, store: new DocumentStore(db, () => vectors), retriever: new Retriever(db) };
}

describe('the keyword leg', () => {
  it("ranks and scores exactly as FTS5's rank column (BM25), with or without a document filter", () => {
    const { db, store, retriever } = emptyLibrary();
    const words = ['river', 'stone', 'lantern', 'harbor', 'meadow', 'copper'];
    const text = (i: number) => Array.from({ length: 3 + (i % 7) }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    const first = addDocument(store, 'a', Array.from({ length: 40 }, (_, i) => text(i)));
    addDocument(store, 'b', Array.from({ length: 40 }, (_, i) => text(i + 40)));
    const fts = `"river" OR "lantern" OR "copper"`;
    const byRank = db.prepare(`SELECT rowid AS chunkId, -rank AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 30`).all(fts) as { chunkId: number; score: number }[];
    const ours = retriever.keywordHits({ query: 'river lantern copper', k: 10, mode: 'keyword' });
    expect(ours.length).toBe(byRank.length);
    ours.forEach((hit, i) => expect(hit.score).toBeCloseTo(byRank[i]!.score, 12));
    const filteredByRank = db
      .prepare(`SELECT f.rowid AS chunkId, -f.rank AS score FROM chunks_fts f JOIN chunks c ON c.id = f.rowid WHERE chunks_fts MATCH ? AND c.document_id = ? ORDER BY f.rank LIMIT 30`)
      .all(fts, first) as { chunkId: number; score: number }[];
    const filtered = retriever.keywordHits({ query: 'river lantern copper', k: 10, mode: 'keyword', documentIds: [first] });
    expect(filtered.map((h) => h.score)).toEqual(filteredByRank.map((h) => h.score));
    expect(new Set(filtered.map((h) => h.chunkId))).toEqual(new Set(filteredByRank.map((h) => h.chunkId)));
  });

  it('sees a term become common as soon as the library changes', () => {
    const { store, retriever } = emptyLibrary();
    addDocument(store, 'base', rareAlphaAndBeta());
    const search = () => retriever.search({ query: 'alpha beta', k: 5, mode: 'keyword' }, null, null).map((h) => h.text);
    expect(search().sort()).toEqual(['alpha here', 'beta here']);
    // 100 more chunks with "alpha": now in 101 of 1100 (over 5%), so the query keeps only "beta".
    addDocument(store, 'more', Array.from({ length: 100 }, (_, i) => `alpha again ${i}`));
    expect(search()).toEqual(['beta here']);
  });

  it('keeps its per-term counts while only conversations change, and reads them again when documents do', () => {
    const { db, store, retriever } = emptyLibrary();
    addDocument(store, 'base', rareAlphaAndBeta());
    const termCount = (retriever as unknown as { termCount: { get: (term: string) => unknown } }).termCount;
    const read = termCount.get.bind(termCount);
    let reads = 0;
    termCount.get = (term) => (reads++, read(term));
    const search = () => retriever.keywordHits({ query: 'alpha beta', k: 5, mode: 'keyword' });
    search();
    expect(reads).toBe(2);
    // What asking a question writes: before, any write made every count be read again.
    const conversations = new ConversationStore(db);
    conversations.addUserMessage(conversations.create('a question'), 'a question');
    search();
    expect(reads).toBe(2);
    addDocument(store, 'more', ['alpha four']);
    search();
    expect(reads).toBe(4);
  });

  it('sees a document another connection (another process) indexed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-retriever-'));
    try {
      const file = path.join(dir, 'library.sqlite');
      const ours = openDatabase(file);
      createVectorTable(ours, DIMS);
      const ourVectors = new VectorStore(ours, DIMS);
      addDocument(new DocumentStore(ours, () => ourVectors), 'base', rareAlphaAndBeta());
      const retriever = new Retriever(ours);
      const search = () => retriever.search({ query: 'alpha beta', k: 5, mode: 'keyword' }, null, null).map((h) => h.text);
      expect(search().sort()).toEqual(['alpha here', 'beta here']);
      const other = openDatabase(file);
      const otherVectors = new VectorStore(other, DIMS);
      addDocument(new DocumentStore(other, () => otherVectors), 'more', Array.from({ length: 100 }, (_, i) => `alpha again ${i}`));
      other.close();
      // "alpha" is now in 101 of 1100 chunks (over 5%): only "beta" is searched for.
      expect(search()).toEqual(['beta here']);
      ours.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
