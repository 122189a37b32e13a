import { BinaryIndex } from './binary-index.js';
import { indexVersion, type Db } from './database.js';

/**
 * The vector side of the library: two plain tables written in the chunk's transaction.
 * - `chunk_bits`: each vector sign-quantized to 1 bit per dimension (sqlite-vec's bit layout),
 *   with its document. It is narrow, so loading it into BinaryIndex, the in-memory first pass,
 *   is a fast scan (100k rows: about 150 ms; through a vec0 bit column it took 300-500 ms).
 * - `chunk_embeddings`: the float32 vectors, read only to rescore the first pass's candidates,
 *   all in one statement with sqlite-vec's vec_distance_cosine (a vec0 point lookup per candidate
 *   cost about 4x more).
 * Vectors are L2-normalised on the way in, so cosine similarity is a dot product.
 */
export const BITS_TABLE = 'chunk_bits';
export const EMBEDDING_TABLE = 'chunk_embeddings';

export function vectorTableExists(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(EMBEDDING_TABLE) !== undefined;
}

export function createVectorTable(db: Db, dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions % 8 !== 0) {
    throw new Error(`Embedding dimension ${dimensions} is not supported: it must be a positive multiple of 8.`);
  }
  db.exec(`
    CREATE TABLE ${BITS_TABLE} (
      chunk_id INTEGER PRIMARY KEY,
      document_id INTEGER NOT NULL,
      bits BLOB NOT NULL CHECK (length(bits) = ${dimensions / 8})
    ) STRICT;
    CREATE TABLE ${EMBEDDING_TABLE} (
      chunk_id INTEGER PRIMARY KEY,
      embedding BLOB NOT NULL CHECK (length(embedding) = ${dimensions * 4})
    ) STRICT;
    CREATE TRIGGER chunks_vector_delete AFTER DELETE ON chunks BEGIN
      DELETE FROM ${BITS_TABLE} WHERE chunk_id = old.id;
      DELETE FROM ${EMBEDDING_TABLE} WHERE chunk_id = old.id;
    END;
  `);
}

/**
 * Libraries written before schema 4 kept both vectors in one vec0 table (`chunk_vectors`: a
 * bit column and the floats as an auxiliary column); this moves them into the two plain tables.
 * Runs inside the migration's transaction.
 */
export function splitVectorTable(db: Db): void {
  const old = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'chunk_vectors'`).pluck().get() as string | undefined;
  if (!old) return;
  db.exec(`DROP TRIGGER IF EXISTS chunks_vector_delete`);
  createVectorTable(db, Number(/bit\[(\d+)\]/.exec(old)![1]));
  db.exec(`
    INSERT INTO ${BITS_TABLE}(chunk_id, document_id, bits) SELECT chunk_id, document_id, embedding_bits FROM chunk_vectors;
    INSERT INTO ${EMBEDDING_TABLE}(chunk_id, embedding) SELECT chunk_id, embedding FROM chunk_vectors;
    DROP TABLE chunk_vectors;
  `);
}

export function normalize(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

export function vectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** Sign bits as sqlite-vec's vec_quantize_binary writes them (its bit[] layout): dimension i is bit i % 8 of byte i / 8. */
export function quantizeBinary(vector: Float32Array): Uint8Array {
  const bits = new Uint8Array(vector.length / 8);
  for (let i = 0; i < vector.length; i++) if (vector[i]! > 0) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

export interface VectorCandidate {
  chunkId: number;
  /** Cosine similarity at full precision. */
  similarity: number;
}

export class VectorStore {
  private readonly insertBitsStmt;
  private readonly insertEmbeddingStmt;
  private readonly rescoreStmt;
  private readonly dataVersion;
  private index: BinaryIndex | null = null;
  /** What `dataVersion` and `indexVersion` said when the index was last known to be current. */
  private seen: { data: number; index: string | null } | null = null;

  constructor(
    private readonly db: Db,
    readonly dimensions: number,
  ) {
    this.insertBitsStmt = db.prepare(`INSERT INTO ${BITS_TABLE}(chunk_id, document_id, bits) VALUES (?, ?, ?)`);
    this.insertEmbeddingStmt = db.prepare(`INSERT INTO ${EMBEDDING_TABLE}(chunk_id, embedding) VALUES (?, ?)`);
    this.dataVersion = db.prepare(`PRAGMA data_version`).pluck();
    this.rescoreStmt = db.prepare(
      `SELECT chunk_id AS chunkId, 1 - vec_distance_cosine(embedding, ?) AS similarity FROM ${EMBEDDING_TABLE}
       WHERE chunk_id IN (SELECT value FROM json_each(?)) ORDER BY similarity DESC LIMIT ?`,
    );
  }

  /** Call inside the transaction that inserts the chunk. */
  insert(chunkId: number, documentId: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new Error(`Vector has ${vector.length} dimensions; this library uses ${this.dimensions}.`);
    }
    const bits = quantizeBinary(vector);
    this.insertBitsStmt.run(chunkId, documentId, Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength));
    this.insertEmbeddingStmt.run(chunkId, vectorBlob(vector));
    // If the transaction rolls back, the index holds a chunk that does not exist; searches
    // only return chunks of ready documents, and the next delete rebuilds the index.
    this.index?.add(chunkId, documentId, bits);
  }

  /**
   * Nearest neighbours: Hamming distance over the bit vectors for one candidate per
   * `candidatesFor(libraryChunks)` (at least k), then exact cosine rescoring of those, best first.
   */
  search(query: Float32Array, k: number, candidatesFor: (libraryChunks: number) => number, documentIds?: readonly number[]): VectorCandidate[] {
    const index = this.currentIndex();
    const ids = index.nearest(quantizeBinary(query), Math.max(k, candidatesFor(index.length)), documentIds?.length ? new Set(documentIds) : undefined);
    if (ids.length === 0) return [];
    return this.rescoreStmt.all(vectorBlob(query), JSON.stringify(ids), k) as VectorCandidate[];
  }

  /** Rows were deleted: the in-memory index is rebuilt on the next search. */
  invalidate(): void {
    this.index = null;
  }

  /**
   * The index, reloaded when another connection (another process) has written the file and the
   * index counter (schema 6) has moved since the last look: a question the CLI stored while the
   * app is open moves only the first, and rebuilding the index takes seconds at a million chunks.
   * This connection's own writes are added as they happen.
   */
  private currentIndex(): BinaryIndex {
    const data = this.dataVersion.get() as number;
    if (this.index && this.seen?.data === data) return this.index;
    const index = indexVersion(this.db);
    if (!this.index || index === null || index !== this.seen?.index) {
      this.index = new BinaryIndex(this.dimensions);
      const rows = this.db.prepare(`SELECT chunk_id, document_id, bits FROM ${BITS_TABLE}`).raw().iterate() as Iterable<[number, number, Buffer]>;
      for (const [chunkId, documentId, bits] of rows) this.index.add(chunkId, documentId, bits);
    }
    this.seen = { data, index };
    return this.index;
  }
}
