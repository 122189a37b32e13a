import type { EmbeddingModelInfo } from '../../../preload/contract/index.js';
import type { Db } from './database.js';

const KEY = 'embedding_model';

export function readEmbeddingModel(db: Db): EmbeddingModelInfo | null {
  const row = db.prepare(`SELECT value FROM meta WHERE key = ?`).get(KEY) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as EmbeddingModelInfo) : null;
}

export function writeEmbeddingModel(db: Db, info: EmbeddingModelInfo): void {
  db.prepare(`INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(
    KEY,
    JSON.stringify(info),
  );
}

/** A content hash for a model file, cached by path, size and mtime so big GGUFs are hashed once. */
export function cachedModelHash(db: Db, path: string, size: number, mtimeMs: number): string | null {
  const row = db
    .prepare(`SELECT sha256 FROM model_hashes WHERE path = ? AND size = ? AND mtime_ms = ?`)
    .get(path, size, Math.trunc(mtimeMs)) as { sha256: string } | undefined;
  return row?.sha256 ?? null;
}

export function storeModelHash(db: Db, path: string, size: number, mtimeMs: number, sha256: string): void {
  db.prepare(
    `INSERT INTO model_hashes(path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)
     ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256`,
  ).run(path, size, Math.trunc(mtimeMs), sha256);
}
