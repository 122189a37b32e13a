import { processRuns } from '../processes.js';
import { prepared, type Db } from './database.js';

/** A claim not renewed for this long is given up, even if its process id runs (a reused id). */
export const CLAIM_STALE_MS = 10 * 60_000;

/** The claims this process holds: one with this process's id and another owner was left by an earlier process given the same id (in a container, every run is pid 1). */
const ownClaims = new Set<string>();

/** A row of a claims table: who holds the key, from which process, and when it last said so. */
interface Claim {
  owner: string;
  pid: number;
  renewedAtMs: number;
}

/** A claim whose process runs and has renewed it lately. */
function live(claim: Claim): boolean {
  if (claim.pid === process.pid) return ownClaims.has(claim.owner);
  return Date.now() - claim.renewedAtMs < CLAIM_STALE_MS && processRuns(claim.pid);
}

/**
 * Exclusive rights to keys (a file's bytes for an ingest, a conversation for an answer) shared by
 * every process that opens the library: the app and the CLI. A claim is held by an owner (one
 * job) in one process; one left by a process that died, or not renewed for CLAIM_STALE_MS, is
 * taken over.
 */
export class Claims {
  private readonly sql: { held: string; take: string; holds: string; renew: string; release: string };

  /** `table` and `key` are this code's own names (a table of schema 7 or 8), never input. */
  constructor(
    private readonly db: Db,
    table: 'ingest_claims' | 'answer_claims',
    key: 'content_hash' | 'conversation_id',
  ) {
    this.sql = {
      held: `SELECT owner, pid, renewed_at_ms AS renewedAtMs FROM ${table} WHERE ${key} = ?`,
      take: `INSERT OR REPLACE INTO ${table}(${key}, owner, pid, renewed_at_ms) VALUES (?, ?, ?, ?)`,
      holds: `SELECT 1 FROM ${table} WHERE ${key} = ? AND owner = ?`,
      renew: `UPDATE ${table} SET renewed_at_ms = ? WHERE ${key} = ? AND owner = ?`,
      release: `DELETE FROM ${table} WHERE ${key} = ? AND owner = ?`,
    };
  }

  /** Takes `key` for `owner` unless another owner holds it and is alive; joins an outer transaction. */
  take(key: string | number, owner: string): boolean {
    return this.db.transaction(() => {
      const held = this.held(key);
      if (held && held.owner !== owner && live(held)) return false;
      ownClaims.add(owner);
      prepared(this.db, this.sql.take).run(key, owner, process.pid, Date.now());
      return true;
    }).immediate();
  }

  /** Whether an owner still alive (in any process) holds `key`. */
  heldByAnyone(key: string | number): boolean {
    const held = this.held(key);
    return held !== undefined && live(held);
  }

  /** Whether `owner` holds `key` (checked in the caller's transaction, before a write that needs it). */
  holds(key: string | number, owner: string): boolean {
    return prepared(this.db, this.sql.holds).get(key, owner) !== undefined;
  }

  /** Says the owner is still at work. */
  renew(key: string | number, owner: string): void {
    prepared(this.db, this.sql.renew).run(Date.now(), key, owner);
  }

  /**
   * Gives `key` back. Should the write fail (the library locked by another process past the busy
   * timeout), the row left behind is no longer this process's own, so the next owner takes it over.
   */
  release(key: string | number, owner: string): void {
    try {
      prepared(this.db, this.sql.release).run(key, owner);
    } finally {
      ownClaims.delete(owner);
    }
  }

  private held(key: string | number): Claim | undefined {
    return prepared(this.db, this.sql.held).get(key) as Claim | undefined;
  }
}

/** Runs a claim's bookkeeping (a renewal, a release) whose failure its caller can do nothing about. */
export function ignoreFailure(work: () => void): void {
  try {
    work();
  } catch {
    // Said where it is called.
  }
}
