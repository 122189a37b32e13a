import { BinaryIndex } from './binary-index.js';
import type { Db } from './database.js';

/**
 * The vector side of the library. Each chunk's embedding is stored twice in one vec0 table:
 * a sign-quantized `bit[D]` column for the fast first pass (scanned in memory by BinaryIndex,
 * loaded from this column), and the full float32 vector as an auxiliary column used to rescore
 * the candidates exactly. Vectors are L2-normalised on the way in, so cosine is a dot product.
 */
export const VECTOR_TABLE = 'chunk_vectors';

export function vectorTableExists(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(VECTOR_TABLE) !== undefined;
}

export function createVectorTable(db: Db, dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions % 8 !== 0) {
    throw new Error(`Embedding dimension ${dimensions} is not supported: it must be a positive multiple of 8.`);
  }
  db.exec(`
    CREATE VIRTUAL TABLE ${VECTOR_TABLE} USING vec0(
      chunk_id INTEGER PRIMARY KEY,
      document_id INTEGER,
      embedding_bits bit[${dimensions}],
      +embedding BLOB
    );
    CREATE TRIGGER chunks_vector_delete AFTER DELETE ON chunks BEGIN
      DELETE FROM ${VECTOR_TABLE} WHERE chunk_id = old.id;
    END;
  `);
}

export function dropVectorTable(db: Db): void {
  db.exec(`DROP TRIGGER IF EXISTS chunks_vector_delete; DROP TABLE IF EXISTS ${VECTOR_TABLE};`);
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

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Sign bits as sqlite-vec's vec_quantize_binary writes them: dimension i is bit i % 8 of byte i / 8. */
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
  private readonly insertStmt;
  private readonly embeddingStmt;
  private index: BinaryIndex | null = null;
  private indexVersion = -1;

  constructor(
    private readonly db: Db,
    readonly dimensions: number,
  ) {
    this.insertStmt = db.prepare(`INSERT INTO ${VECTOR_TABLE}(chunk_id, document_id, embedding_bits, embedding) VALUES (?, ?, vec_bit(?), ?)`);
    this.embeddingStmt = db.prepare(`SELECT embedding FROM ${VECTOR_TABLE} WHERE chunk_id = ?`).pluck();
  }

  /** Call inside the transaction that inserts the chunk. */
  insert(chunkId: number, documentId: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new Error(`Vector has ${vector.length} dimensions; this library uses ${this.dimensions}.`);
    }
    const bits = quantizeBinary(vector);
    this.insertStmt.run(BigInt(chunkId), BigInt(documentId), Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength), vectorBlob(vector));
    // If the transaction rolls back, the index holds a chunk that does not exist; searches
    // only return chunks of ready documents, and the next delete rebuilds the index.
    this.index?.add(chunkId, documentId, bits);
  }

  /** Vectors in the index (loading it if needed). */
  count(): number {
    return this.currentIndex().length;
  }

  /** Rows were deleted: the in-memory index is rebuilt on the next search. */
  invalidate(): void {
    this.index = null;
  }

  /**
   * Nearest neighbours: Hamming distance over the bit vectors for `candidates` rows, then
   * exact cosine rescoring of those candidates, best first.
   */
  search(query: Float32Array, k: number, candidates: number, documentIds?: readonly number[]): VectorCandidate[] {
    const index = this.currentIndex();
    const ids = index.nearest(quantizeBinary(query), candidates, documentIds?.length ? new Set(documentIds) : undefined);
    const scored: VectorCandidate[] = [];
    for (const chunkId of ids) {
      const blob = this.embeddingStmt.get(BigInt(chunkId)) as Buffer | undefined;
      if (!blob) continue;
      scored.push({ chunkId, similarity: dot(query, new Float32Array(blob.buffer, blob.byteOffset, this.dimensions)) });
    }
    scored.sort((a, b) => b.similarity - a.similarity);
    return scored.slice(0, k);
  }

  /** The index, reloaded when another connection (another process) has written the file. */
  private currentIndex(): BinaryIndex {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (!this.index || version !== this.indexVersion) {
      const index = new BinaryIndex(this.dimensions);
      const rows = this.db.prepare(`SELECT chunk_id, document_id, embedding_bits FROM ${VECTOR_TABLE}`).raw().iterate() as Iterable<[number, number, Buffer]>;
      for (const [chunkId, documentId, bits] of rows) index.add(chunkId, documentId, bits);
      this.index = index;
      this.indexVersion = version;
    }
    return this.index;
  }
}
