import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { DocentError, errorMessage } from '../errors.js';
import { migrate } from './migrations.js';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The statement for `sql`, prepared once per connection. Preparing costs tens of microseconds,
 * and answering a question ran about ten prepares on its way to the first token. A statement
 * from here must not be switched to pluck or raw mode: every caller of the same SQL shares it.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/**
 * The index counter (schema 6): it moves with every write to documents and so to their chunks,
 * by any connection, and with nothing else; null in a library without it.
 */
export function indexVersion(db: Db): string | null {
  return (prepared(db, `SELECT value FROM meta WHERE key = 'index.version'`).get() as { value: string } | undefined)?.value ?? null;
}

/**
 * Opens (or creates) a library file: WAL so readers never block the writer, foreign keys on,
 * sqlite-vec loaded, schema migrated to the current version.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Db | null = null;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    sqliteVec.load(db);
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw libraryError(file, error);
  }
}

/** What is wrong with a library file that does not open, said so a person can act on it. */
function libraryError(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return new DocentError('LIBRARY_INVALID', `${file} is not a Docent library: it is not an SQLite database. Choose another library file.`);
  if (code === 'SQLITE_CANTOPEN') {
    const isDirectory = fs.statSync(file, { throwIfNoEntry: false })?.isDirectory();
    return new DocentError('LIBRARY_INVALID', isDirectory ? `${file} is a folder; the library must be a file, such as ${path.join(file, 'library.sqlite')}.` : `Cannot open the library file ${file}: ${errorMessage(error)}.`);
  }
  return error;
}
