import { describe, expect, it } from 'vitest';
import { Retriever } from '../../main/core/retrieval/hybrid.js';
import { openDatabase } from '../../main/core/store/database.js';
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

describe('the keyword leg', () => {
  it('sees a term become common as soon as the library changes', () => {
    const db = openDatabase(':memory:');
    createVectorTable(db, DIMS);
    const vectors = new VectorStore(db, DIMS);
    const store = new DocumentStore(db, () => vectors);
    const retriever = new Retriever(db);
    // 1000 chunks: "alpha" in one, "beta" in one other.
    addDocument(store, 'base', Array.from({ length: 1000 }, (_, i) => (i === 1 ? 'alpha here' : i === 2 ? 'beta here' : `filler ${i}`)));
    const search = () => retriever.search({ query: 'alpha beta', k: 5, mode: 'keyword' }, null, null).map((h) => h.text);
    expect(search().sort()).toEqual(['alpha here', 'beta here']);
    // 100 more chunks with "alpha": now in 101 of 1100 (over 5%), so the query keeps only "beta".
    addDocument(store, 'more', Array.from({ length: 100 }, (_, i) => `alpha again ${i}`));
    expect(search()).toEqual(['beta here']);
  });
});
