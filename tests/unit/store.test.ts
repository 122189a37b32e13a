import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { describe, expect, it } from 'vitest';
import { openDatabase, prepared } from '../../main/core/store/database.js';
import { ConversationStore } from '../../main/core/store/conversations.js';
import { CLAIM_STALE_MS, Claims } from '../../main/core/store/claims.js';
import { DocumentStore, type ChunkRecord } from '../../main/core/store/documents.js';
import { migrate, SCHEMA_VERSION } from '../../main/core/store/migrations.js';
import { toApiError } from '../../main/core/errors.js';
import { createVectorTable, vectorTableExists, VectorStore } from '../../main/core/store/vectors.js';

function library() {
  const db = openDatabase(':memory:');
  createVectorTable(db, 8);
  const vectors = new VectorStore(db, 8);
  const store = new DocumentStore(db, () => vectors);
  const id = store.create({ contentHash: 'h1', path: '/a.pdf', title: 'A', fileSize: 1, fileMtimeMs: 0, replacesId: null });
  store.startIndexing(id, 3, 'A');
  return { db, store, id, vectors };
}

const count = (db: Database.Database, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const page = (n: number) => ({ pageNumber: n, kind: 'text' as const, text: 'some text here', view: [0, 0, 100, 100] as [number, number, number, number], rotation: 0 });
const chunk = (n: number, dims = 8): ChunkRecord => ({
  pageNumber: n, charStart: 0, charEnd: 4, tokenCount: 1, text: 'some', boxes: [[0, 0, 1, 1]],
  vector: Float32Array.from({ length: dims }, (_, i) => (i === n % dims ? 1 : 0)),
});

describe('the library store', () => {
  it('migrates a new file to the current schema version in WAL mode', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('moves the vectors of a schema-3 library out of its vec0 table into the plain tables, keeping every chunk searchable', () => {
    const db = new Database(':memory:');
    sqliteVec.load(db);
    db.pragma('user_version = 0');
    // Schema 3 as shipped: migrations 1-3, then the vector table with an auxiliary float column.
    migrate(db, 3);
    db.exec(`CREATE VIRTUAL TABLE chunk_vectors USING vec0(chunk_id INTEGER PRIMARY KEY, document_id INTEGER, embedding_bits bit[8], +embedding BLOB);
      CREATE TRIGGER chunks_vector_delete AFTER DELETE ON chunks BEGIN DELETE FROM chunk_vectors WHERE chunk_id = old.id; END;`);
    const store = new DocumentStore(db, () => null);
    const id = store.create({ contentHash: 'h1', path: '/a.pdf', title: 'A', fileSize: 1, fileMtimeMs: 0, replacesId: null });
    store.startIndexing(id, 1, 'A');
    const insertChunk = db.prepare(`INSERT INTO chunks(document_id, page_number, char_start, char_end, token_count, text, boxes) VALUES (?, 1, 0, 4, 1, 'some', '[]')`);
    const insertVector = db.prepare(`INSERT INTO chunk_vectors(chunk_id, document_id, embedding_bits, embedding) VALUES (?, ?, vec_bit(?), ?)`);
    for (const n of [1, 2, 3]) {
      const chunkId = Number(insertChunk.run(id).lastInsertRowid);
      const vector = chunk(n).vector;
      insertVector.run(BigInt(chunkId), BigInt(id), Buffer.from([1 << n]), Buffer.from(vector.buffer));
    }
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect([count(db, 'chunk_bits'), count(db, 'chunk_embeddings')]).toEqual([3, 3]);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'chunk_vectors'`).get()).toBeUndefined();
    const vectors = new VectorStore(db, 8);
    const query = Float32Array.from({ length: 8 }, (_, i) => (i === 2 ? 1 : 0));
    expect(vectors.search(query, 1, () => 3)).toEqual([{ chunkId: 2, similarity: expect.closeTo(1) as number }]);
    db.prepare('DELETE FROM chunks WHERE id = 2').run();
    expect([count(db, 'chunk_bits'), count(db, 'chunk_embeddings')]).toEqual([2, 2]);
  });

  it('prepares a statement once per connection', () => {
    const a = openDatabase(':memory:');
    const b = openDatabase(':memory:');
    const sql = 'SELECT count(*) AS n FROM documents';
    expect(prepared(a, sql)).toBe(prepared(a, sql));
    expect(prepared(b, sql)).not.toBe(prepared(a, sql));
    expect(prepared(b, sql).get()).toEqual({ n: 0 });
    a.close();
    b.close();
  });

  it('gives the conversation so far without answers stopped before their first word', () => {
    const db = openDatabase(':memory:');
    const conversations = new ConversationStore(db);
    const id = conversations.create('q');
    const timings = { retrievalMs: 1, promptTokens: 1, timeToFirstTokenMs: null, tokensPerSecond: null, generatedTokens: 0, totalMs: 1 };
    const answer = (content: string, stopped: boolean) =>
      conversations.addAssistantMessage(id, { content, searchQuery: 'q', sources: [], citations: [], covered: true, grounded: false, stopped, timings });
    conversations.addUserMessage(id, 'first');
    answer('', true);
    conversations.addUserMessage(id, 'second');
    answer('A partial', true);
    expect(conversations.turns(id)).toEqual([
      { role: 'user', text: 'first' },
      { role: 'user', text: 'second' },
      { role: 'assistant', text: 'A partial' },
    ]);
    expect(conversations.messages(id)).toHaveLength(4);
    db.close();
  });

  it('does not save an answer whose conversation was deleted while it was silent, and says so', () => {
    const db = openDatabase(':memory:');
    const conversations = new ConversationStore(db);
    const id = conversations.create('q');
    expect(conversations.claimAnswer(id, 'silent')).toBe(true);
    conversations.addUserMessage(id, 'q');
    // What another process may do once the claim is stale (its claim row goes with it).
    conversations.delete(id);
    const timings = { retrievalMs: 1, promptTokens: 1, timeToFirstTokenMs: 1, tokensPerSecond: null, generatedTokens: 1, totalMs: 1 };
    const save = () => conversations.addAssistantMessage(id, { content: 'a', searchQuery: 'q', sources: [], citations: [], covered: true, grounded: false, stopped: false, timings }, 'silent');
    // Before: "…another answer took conversation 1 over. Ask again." (asking again finds no conversation).
    expect(save).toThrow(expect.objectContaining({ code: 'CANCELLED', message: expect.stringMatching(/conversation \d+ was deleted meanwhile\.$/) }));
    expect(count(db, 'messages')).toBe(0);
    db.close();
  });

  it("writes a conversation's first question in one transaction, or not at all", () => {
    const db = openDatabase(':memory:');
    const conversations = new ConversationStore(db);
    expect(() =>
      conversations.transaction(() => {
        conversations.addUserMessage(conversations.create('q'), 'q');
        throw new Error('interrupted');
      }),
    ).toThrow('interrupted');
    expect(count(db, 'conversations')).toBe(0);
    expect(count(db, 'messages')).toBe(0);
    db.close();
  });

  it('says what is wrong with a library path that is a folder, not a database, or from a newer Docent', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-store-'));
    try {
      expect(() => openDatabase(dir)).toThrow(expect.objectContaining({ code: 'LIBRARY_INVALID', message: expect.stringMatching(/is a folder; the library must be a file/) }));
      const text = path.join(dir, 'notes.txt');
      fs.writeFileSync(text, 'just some notes, not a database, long enough to have a header page'.repeat(20));
      expect(() => openDatabase(text)).toThrow(expect.objectContaining({ code: 'LIBRARY_INVALID', message: expect.stringMatching(/is not a Docent library/) }));
      expect(fs.readFileSync(text, 'utf8')).toMatch(/^just some notes/);
      const newer = path.join(dir, 'newer.sqlite');
      const db = new Database(newer);
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      expect(() => openDatabase(newer)).toThrow(expect.objectContaining({ code: 'LIBRARY_INVALID', message: expect.stringMatching(/newer version of Docent/) }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a library written by a newer version', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer version of Docent/);
  });

  it('commits a page batch with its chunks, FTS rows and vectors, or none of them', () => {
    const { db, store, id } = library();
    store.commitPages(id, [page(1)], [chunk(1), chunk(2)]);
    expect([count(db, 'pages'), count(db, 'chunks'), count(db, 'chunks_fts_docsize'), count(db, 'chunk_bits'), count(db, 'chunk_embeddings')]).toEqual([1, 2, 2, 2, 2]);
    // A vector of the wrong size fails the batch after its page and first chunk were written: all rolled back.
    expect(() => store.commitPages(id, [page(2)], [chunk(3), chunk(4, 16)])).toThrow(/dimensions/);
    expect([count(db, 'pages'), count(db, 'chunks'), count(db, 'chunks_fts_docsize'), count(db, 'chunk_bits'), count(db, 'chunk_embeddings')]).toEqual([1, 2, 2, 2, 2]);
    expect(store.get(id)!.pagesIndexed).toBe(1);
  });

  it('never gives the id of a removed document or conversation to a new one', () => {
    const { db, store, id } = library();
    const other = store.create({ contentHash: 'h2', path: '/b.pdf', title: 'B', fileSize: 1, fileMtimeMs: 0, replacesId: null });
    expect(store.remove(other)).toBe(true);
    const next = store.create({ contentHash: 'h3', path: '/c.pdf', title: 'C', fileSize: 1, fileMtimeMs: 0, replacesId: null });
    expect([id, other, next]).toEqual([1, 2, 3]);
    const conversations = new ConversationStore(db);
    const first = conversations.create('first');
    conversations.delete(first);
    expect(conversations.create('second')).toBe(first + 1);
    db.close();
  });

  it('keeps, when it migrates an older library, the ids of removed documents that answers still name', () => {
    const db = new Database(':memory:');
    sqliteVec.load(db);
    migrate(db, 4); // before the migration that keeps removed ids (schema 5)
    const store = new DocumentStore(db, () => null);
    const kept = store.create({ contentHash: 'h1', path: '/a.pdf', title: 'A', fileSize: 1, fileMtimeMs: 0, replacesId: null });
    const conversations = new ConversationStore(db);
    const conversationId = conversations.create('c');
    conversations.addAssistantMessage(conversationId, {
      content: 'It was 1932 [1].', searchQuery: 'q', sources: [], covered: true, grounded: true, stopped: false,
      citations: [{ n: 1, chunkId: 9, documentId: 7, title: 'Removed', page: 1, charStart: 0, charEnd: 4, text: '1932', verified: true }],
      timings: { retrievalMs: 1, promptTokens: 1, timeToFirstTokenMs: 1, tokensPerSecond: null, generatedTokens: 1, totalMs: 1 },
    });
    // An answer the library did not cover keeps the closest passages, of a document removed since.
    const closest = { n: 1, chunkId: 12, documentId: 9, title: 'Also removed', page: 2, text: 'x', charStart: 0, charEnd: 1, boxes: [], score: 0.1 };
    conversations.addAssistantMessage(conversationId, {
      content: 'Not covered.', searchQuery: 'q', sources: [closest], covered: false, grounded: false, stopped: false, citations: [],
      timings: { retrievalMs: 1, promptTokens: 0, timeToFirstTokenMs: null, tokensPerSecond: null, generatedTokens: 0, totalMs: 1 },
    });
    migrate(db);
    expect(kept).toBe(1);
    expect(store.create({ contentHash: 'h2', path: '/b.pdf', title: 'B', fileSize: 1, fileMtimeMs: 0, replacesId: null })).toBe(10);
    db.close();
  });

  it('opens an older library that another process is migrating at the same moment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-migrate-'));
    try {
      const file = path.join(dir, 'library.sqlite');
      const setup = new Database(file);
      sqliteVec.load(setup);
      migrate(setup, SCHEMA_VERSION - 1);
      setup.close();
      const [ours, theirs] = [new Database(file), new Database(file)];
      for (const db of [ours, theirs]) sqliteVec.load(db);
      // The other process migrates right after this one has read the version.
      const pragma = ours.pragma.bind(ours) as (source: string, options?: { simple: boolean }) => unknown;
      let raced = false;
      ours.pragma = ((source: string, options?: { simple: boolean }) => {
        const value = pragma(source, options);
        if (source === 'user_version' && !raced) {
          raced = true;
          migrate(theirs);
        }
        return value;
      }) as typeof ours.pragma;
      expect(() => migrate(ours)).not.toThrow(); // before: UNIQUE constraint failed: meta.key
      expect(raced).toBe(true);
      expect(pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      ours.close();
      theirs.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves the index counter with every write that changes chunks, and not with conversations', () => {
    const { db, store, id } = library();
    const indexVersion = () => Number(db.prepare(`SELECT value FROM meta WHERE key = 'index.version'`).pluck().get());
    const moves = (write: () => void) => {
      const before = indexVersion();
      write();
      return indexVersion() > before;
    };
    expect(moves(() => store.commitPages(id, [page(1)], [chunk(1)]))).toBe(true);
    expect(moves(() => store.markReady(id))).toBe(true);
    const conversations = new ConversationStore(db);
    expect(moves(() => conversations.addUserMessage(conversations.create('q'), 'q'))).toBe(false);
    const failing = store.create({ contentHash: 'h2', path: '/b.pdf', title: 'B', fileSize: 1, fileMtimeMs: 0, replacesId: null });
    store.startIndexing(failing, 1, 'B');
    store.commitPages(failing, [page(1)], [chunk(2)]);
    expect(moves(() => store.markFailed(failing, { code: 'PDF_CORRUPT', message: 'broken' }))).toBe(true);
    expect(moves(() => store.remove(id))).toBe(true);
  });

  it('gives up its own claim even when the release cannot be written, so that the next owner takes it over', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-claims-'));
    const file = path.join(dir, 'library.sqlite');
    const db = openDatabase(file);
    const other = openDatabase(file);
    try {
      const claims = new Claims(db, 'answer_claims', 'conversation_id');
      const conversation = new ConversationStore(db).create('c');
      expect(claims.take(conversation, 'answer-a')).toBe(true);
      expect(claims.take(conversation, 'answer-b')).toBe(false);
      // Another process holds the write lock past the busy timeout: the release fails...
      db.pragma('busy_timeout = 10');
      other.prepare('BEGIN IMMEDIATE').run();
      expect(() => claims.release(conversation, 'answer-a')).toThrow(/locked|busy/i);
      other.prepare('COMMIT').run();
      // ...and its row is left, but no longer this process's own: the next answer takes it over.
      expect(claims.heldByAnyone(conversation)).toBe(false);
      expect(claims.take(conversation, 'answer-b')).toBe(true);
    } finally {
      db.close();
      other.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets one ingest at a time claim a file, and takes over a claim its process left when it died', () => {
    const { db, store } = library();
    expect(store.beingIndexed('h')).toBe(false);
    expect(store.claim('h', 'job-a')).toBe(true);
    expect(store.beingIndexed('h')).toBe(true);
    expect(store.claim('h', 'job-b')).toBe(false);
    expect(store.claim('h', 'job-a')).toBe(true);
    store.releaseClaim('h', 'job-a');
    expect(store.beingIndexed('h')).toBe(false);
    expect(store.claim('h', 'job-b')).toBe(true);
    // Another process that runs and renews its claim (the parent of this one stands in for it)...
    const otherProcess = (renewedAtMs: number) => db.prepare(`UPDATE ingest_claims SET pid = ?, renewed_at_ms = ? WHERE content_hash = 'h'`).run(process.ppid, renewedAtMs);
    otherProcess(Date.now());
    expect(store.claim('h', 'job-c')).toBe(false);
    // ...but silent for too long, or no longer running (pids stay under 2^22 on Linux).
    otherProcess(Date.now() - CLAIM_STALE_MS - 1);
    expect(store.claim('h', 'job-d')).toBe(true);
    db.prepare(`UPDATE ingest_claims SET pid = 4194305 WHERE content_hash = 'h'`).run();
    expect(store.claim('h', 'job-e')).toBe(true);
    store.renewClaim('h', 'job-e');
    expect(store.claim('h', 'job-f')).toBe(false);
    // A write runs only while its ingest holds the claim.
    let wrote = false;
    expect(store.whileClaimed('h', 'job-e', () => (wrote = true))).toBe(true);
    expect(wrote).toBe(true);
    wrote = false;
    expect(store.whileClaimed('h', 'job-d', () => (wrote = true))).toBe(false);
    expect(wrote).toBe(false);
    // Left by an earlier process that had this process's id (every run in a container is pid 1).
    db.prepare(`INSERT INTO ingest_claims(content_hash, owner, pid, renewed_at_ms) VALUES ('g', 'ghost', ?, ?)`).run(process.pid, Date.now());
    expect(store.claim('g', 'job-g')).toBe(true);
  });

  it('leaves a failed document with its error and no rows', () => {
    const { db, store, id } = library();
    store.commitPages(id, [page(1)], [chunk(1)]);
    store.markFailed(id, { code: 'PDF_CORRUPT', message: 'broken' });
    expect([count(db, 'pages'), count(db, 'chunks'), count(db, 'chunks_fts_docsize'), count(db, 'chunk_bits'), count(db, 'chunk_embeddings')]).toEqual([0, 0, 0, 0, 0]);
    expect(store.get(id)).toMatchObject({ status: 'failed', error: { code: 'PDF_CORRUPT', message: 'broken' }, chunks: 0 });
  });

  it('removes the version a new document replaces when the new one is ready', () => {
    const { db, store, id } = library();
    store.commitPages(id, [page(1)], [chunk(1)]);
    store.markReady(id);
    const next = store.create({ contentHash: 'h2', path: '/a.pdf', title: 'A', fileSize: 1, fileMtimeMs: 1, replacesId: id });
    store.startIndexing(next, 1, 'A');
    store.commitPages(next, [page(1)], [chunk(1)]);
    expect(store.list().map((d) => d.id)).toEqual([id, next]);
    store.markReady(next);
    expect(store.list().map((d) => d.id)).toEqual([next]);
    expect([count(db, 'chunk_bits'), count(db, 'chunk_embeddings')]).toEqual([1, 1]);
  });

  it('finds vectors by cosine after the bit-vector first pass, optionally per document', () => {
    const { store, id, vectors } = library();
    store.commitPages(id, [page(1)], [chunk(1), chunk(2), chunk(3)]);
    const query = Float32Array.from({ length: 8 }, (_, i) => (i === 2 ? 1 : 0));
    const [best] = vectors.search(query, 1, () => 3);
    expect(best?.similarity).toBeCloseTo(1);
    expect(vectors.search(query, 3, () => 3, [id + 1])).toEqual([]);
  });

  it("reloads its in-memory vectors when another process indexes, not when it stores a question", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-vectors-'));
    try {
      const file = path.join(dir, 'library.sqlite');
      const open = () => {
        const db = openDatabase(file);
        if (!vectorTableExists(db)) createVectorTable(db, 8);
        const vectors = new VectorStore(db, 8);
        return { db, vectors, store: new DocumentStore(db, () => vectors) };
      };
      const ours = open();
      const a = ours.store.create({ contentHash: 'h1', path: '/a.pdf', title: 'A', fileSize: 1, fileMtimeMs: 0, replacesId: null });
      ours.store.startIndexing(a, 1, 'A');
      ours.store.commitPages(a, [page(1)], [chunk(1)]);
      ours.store.markReady(a);
      const query = Float32Array.from({ length: 8 }, (_, i) => (i === 2 ? 1 : 0));
      const search = () => ours.vectors.search(query, 2, () => 10).map((hit) => hit.chunkId);
      const loaded = () => (ours.vectors as unknown as { index: object | null }).index;
      expect(search()).toHaveLength(1);
      const first = loaded();

      const theirs = open();
      const conversations = new ConversationStore(theirs.db);
      conversations.addUserMessage(conversations.create('a question'), 'a question');
      expect(search()).toHaveLength(1);
      expect(loaded()).toBe(first); // before: rebuilt from the file

      const b = theirs.store.create({ contentHash: 'h2', path: '/b.pdf', title: 'B', fileSize: 1, fileMtimeMs: 0, replacesId: null });
      theirs.store.startIndexing(b, 1, 'B');
      theirs.store.commitPages(b, [page(1)], [chunk(2)]);
      theirs.store.markReady(b);
      expect(search()).toHaveLength(2);
      expect(loaded()).not.toBe(first);
      theirs.db.close();
      ours.db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a library that cannot be written', () => {
  it('is named as read-only, not as a fault inside Docent', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-readonly-'));
    const file = path.join(dir, 'library.sqlite');
    try {
      const writable = openDatabase(file);
      migrate(writable);
      writable.close();
      const readOnly = new Database(file, { readonly: true });
      let thrown: unknown;
      try {
        new ConversationStore(readOnly).create('A question');
      } catch (error) {
        thrown = error;
      } finally {
        readOnly.close();
      }
      expect(thrown).toBeDefined();
      expect(toApiError(thrown)).toMatchObject({ code: 'LIBRARY_READ_ONLY', message: expect.stringContaining('read-only') });
      expect(toApiError(new Error('boom'))).toMatchObject({ code: 'INTERNAL' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
