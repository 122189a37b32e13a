import type { Db } from './database.js';

/**
 * The vector side of the library. Each chunk's embedding is stored twice in one vec0 table:
 * a sign-quantized `bit[D]` column that sqlite-vec scans for a fast first pass, and the full
 * float32 vector as an auxiliary column used to rescore the candidates exactly.
 * Vectors are L2-normalised on the way in, so cosine similarity is a dot product.
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

export interface VectorCandidate {
  chunkId: number;
  /** Cosine similarity at full precision. */
  similarity: number;
}

export class VectorStore {
  private readonly insertStmt;
  private readonly knnStmt;

  constructor(
    private readonly db: Db,
    readonly dimensions: number,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO ${VECTOR_TABLE}(chunk_id, document_id, embedding_bits, embedding)
       VALUES (?, ?, vec_quantize_binary(?), ?)`,
    );
    this.knnStmt = db.prepare(
      `SELECT chunk_id AS chunkId, embedding FROM ${VECTOR_TABLE}
       WHERE embedding_bits MATCH vec_quantize_binary(?) AND k = ?`,
    );
  }

  /** Call inside the transaction that inserts the chunk. */
  insert(chunkId: number, documentId: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new Error(`Vector has ${vector.length} dimensions; this library uses ${this.dimensions}.`);
    }
    const blob = vectorBlob(vector);
    this.insertStmt.run(BigInt(chunkId), BigInt(documentId), blob, blob);
  }

  /**
   * Nearest neighbours: hamming-distance scan over the bit vectors for `candidates` rows,
   * then exact cosine rescoring of those candidates, best first.
   */
  search(query: Float32Array, k: number, candidates: number, documentIds?: readonly number[]): VectorCandidate[] {
    const blob = vectorBlob(query);
    const rows = documentIds?.length
      ? (this.db
          .prepare(
            `SELECT chunk_id AS chunkId, embedding FROM ${VECTOR_TABLE}
             WHERE embedding_bits MATCH vec_quantize_binary(?) AND k = ?
             AND document_id IN (${documentIds.map(() => '?').join(',')})`,
          )
          .all(blob, candidates, ...documentIds) as { chunkId: number; embedding: Buffer }[])
      : (this.knnStmt.all(blob, candidates) as { chunkId: number; embedding: Buffer }[]);
    const scored = rows.map((row) => ({
      chunkId: row.chunkId,
      similarity: dot(query, new Float32Array(row.embedding.buffer, row.embedding.byteOffset, this.dimensions)),
    }));
    scored.sort((a, b) => b.similarity - a.similarity);
    return scored.slice(0, k);
  }
}
