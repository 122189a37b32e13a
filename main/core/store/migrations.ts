import type Database from 'better-sqlite3';
import { DocentError } from '../errors.js';
import { splitVectorTable } from './vectors.js';

/**
 * Schema migrations, applied in order inside one transaction each; PRAGMA user_version records
 * how many have run. Never edit a shipped migration: append a new one.
 *
 * The vector table is not created here: its dimension comes from the embedding model, so
 * `vectors.ts` creates it when a library is bound to a model.
 */
const MIGRATIONS: readonly (string | ((db: Database.Database) => void))[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    page_count INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'indexing', 'ready', 'failed')),
    error_code TEXT,
    error_message TEXT,
    file_size INTEGER NOT NULL,
    file_mtime_ms INTEGER NOT NULL,
    replaces_id INTEGER,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX documents_path ON documents(path);

  -- One row per indexed page: exactly the pages whose chunks are committed.
  CREATE TABLE pages (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    page_number INTEGER NOT NULL CHECK (page_number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'image-only', 'empty')),
    text TEXT NOT NULL,
    view TEXT NOT NULL,
    rotation INTEGER NOT NULL,
    PRIMARY KEY (document_id, page_number)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    page_number INTEGER NOT NULL CHECK (page_number >= 1),
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    token_count INTEGER NOT NULL,
    text TEXT NOT NULL,
    boxes TEXT NOT NULL,
    CHECK (char_end > char_start)
  ) STRICT;
  CREATE INDEX chunks_document ON chunks(document_id, page_number);

  CREATE VIRTUAL TABLE chunks_fts USING fts5(
    text, content = 'chunks', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;

  CREATE TABLE model_hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    sha256 TEXT NOT NULL
  ) STRICT;
  `,
  `
  CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    -- Assistant messages only: what was searched, what the prompt held, how it went.
    search_query TEXT,
    sources TEXT,
    covered INTEGER,
    grounded INTEGER,
    stopped INTEGER,
    timings TEXT,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX messages_conversation ON messages(conversation_id, id);

  -- Citations keep their own copy of title, page and text, so an answer stays readable after
  -- its document is removed.
  CREATE TABLE citations (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    chunk_id INTEGER,
    document_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    page INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    text TEXT NOT NULL,
    verified INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX citations_message ON citations(message_id);
  `,
  `
  -- Per-term document counts of the keyword index, so searches can skip terms that are everywhere.
  CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, row);
  `,
  // Vectors move out of the vec0 table into two plain tables (see vectors.ts).
  (db) => splitVectorTable(db),
  `
  -- A document's or a conversation's id is never given twice: a citation or a client holding the
  -- id of one that was removed must not reach a newer one. SQLite numbers a new row after the
  -- largest id present, so it reuses that id once its row is deleted; the largest id removed is
  -- kept here, and new rows are numbered after it too (see newId). Answers keep the ids of
  -- documents removed before this migration, in their citations and sources; nothing keeps
  -- those of conversations deleted before it.
  INSERT INTO meta(key, value) VALUES
    ('documents.removedId', CAST(max(
      coalesce((SELECT max(document_id) FROM citations), 0),
      coalesce((SELECT max(json_extract(s.value, '$.documentId')) FROM messages m, json_each(m.sources) s WHERE m.sources IS NOT NULL), 0)
    ) AS TEXT)),
    ('conversations.removedId', '0');
  CREATE TRIGGER documents_removed_id AFTER DELETE ON documents BEGIN
    UPDATE meta SET value = CAST(OLD.id AS TEXT) WHERE key = 'documents.removedId' AND CAST(value AS INTEGER) < OLD.id;
  END;
  CREATE TRIGGER conversations_removed_id AFTER DELETE ON conversations BEGIN
    UPDATE meta SET value = CAST(OLD.id AS TEXT) WHERE key = 'conversations.removedId' AND CAST(value AS INTEGER) < OLD.id;
  END;
  `,
  `
  -- A number that changes whenever what searches read changes, by any connection, so that what a
  -- search caches (per-term chunk counts) lasts until then, and not only until the next write of
  -- any kind: every question stored used to drop it. Chunks change only with a write to their
  -- document's row in the same transaction (a page batch sets updated_at; ready, failed, removed).
  INSERT INTO meta(key, value) VALUES ('index.version', '0');
  CREATE TRIGGER index_version_insert AFTER INSERT ON documents BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'index.version';
  END;
  CREATE TRIGGER index_version_update AFTER UPDATE ON documents BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'index.version';
  END;
  CREATE TRIGGER index_version_delete AFTER DELETE ON documents BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'index.version';
  END;
  `,
  `
  -- Which ingest job is indexing which bytes, so two jobs (two drops of one folder, or the app and
  -- the CLI) never index one file at once: see DocumentStore.claim.
  CREATE TABLE ingest_claims (
    content_hash TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    renewed_at_ms INTEGER NOT NULL
  ) STRICT;
  `,
  `
  -- Which answer is being written in which conversation, so that two processes (the app and the
  -- CLI) never answer in one conversation at once: see ConversationStore.claimAnswer.
  CREATE TABLE answer_claims (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    renewed_at_ms INTEGER NOT NULL
  ) STRICT;
  `,
];

/** SQL for the id of a new row of `table`: after every id it holds and every id removed from it. */
export function newId(table: 'documents' | 'conversations'): string {
  return `(SELECT max(coalesce((SELECT max(id) FROM ${table}), 0), coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${table}.removedId'), 0)) + 1)`;
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Migrates to `target` (the current schema unless a test needs an older one). */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new DocentError(
      'LIBRARY_INVALID',
      `This library was written by a newer version of Docent (schema ${current}, this version knows ${SCHEMA_VERSION}). Update Docent to open it.`,
    );
  }
  for (let version = current; version < target; version++) {
    // Under the write lock (BEGIN IMMEDIATE), the version is read again: another process opening
    // the same library (the app and the CLI, say) may have run this step since it was read above.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) > version) return;
      const migration = MIGRATIONS[version]!;
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
