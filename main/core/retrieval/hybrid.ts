import type { SearchHit, SearchMode, TextBox } from '../../../preload/contract/index.js';
import { indexVersion, type Db } from '../store/database.js';
import type { VectorStore } from '../store/vectors.js';
import { pruneCommonTerms, queryTerms } from './fts-query.js';

export interface SearchOptions {
  query: string;
  k: number;
  mode: SearchMode;
  documentIds?: readonly number[] | undefined;
}

export interface RetrievalSettings {
  /** Candidates each leg contributes to fusion, as a multiple of k (at least `minCandidates`). */
  legDepth: number;
  minCandidates: number;
  /**
   * Bit-vector candidates rescored at full precision: a multiple of the leg's depth, and at
   * least one per `chunksPerRescore` chunks in the library, between `minRescore` and `maxRescore`.
   */
  rescoreFactor: number;
  minRescore: number;
  maxRescore: number;
  chunksPerRescore: number;
  /** Reciprocal rank fusion constant. */
  rrfK: number;
}

// bench/search.ts, clustered libraries: 400 candidates gave recall@10 0.99 at 1M chunks; at 100k,
// 60 already gave 0.9995. Rescoring reads every candidate's float vector, so it scales with the library.
export const DEFAULT_RETRIEVAL_SETTINGS: RetrievalSettings = {
  legDepth: 3,
  minCandidates: 30,
  rescoreFactor: 3,
  minRescore: 100,
  maxRescore: 400,
  chunksPerRescore: 2500,
  rrfK: 60,
};

/** Hits each leg contributes to fusion for a search of `k` results. */
export function legDepth(settings: RetrievalSettings, k: number): number {
  return Math.max(k * settings.legDepth, settings.minCandidates);
}

/** How many bit-vector candidates to rescore for a leg of `depth` hits in a library of `chunks`. */
export function rescoreCount(settings: RetrievalSettings, depth: number, chunks: number): number {
  const bySize = Math.min(settings.maxRescore, Math.max(settings.minRescore, Math.ceil(chunks / settings.chunksPerRescore)));
  return Math.max(depth * settings.rescoreFactor, bySize);
}

function documentFilter(options: SearchOptions): readonly number[] | undefined {
  return options.documentIds?.length ? options.documentIds : undefined;
}

export interface LegHit {
  chunkId: number;
  score: number;
}

interface ChunkRow {
  id: number;
  document_id: number;
  title: string;
  page_number: number;
  text: string;
  char_start: number;
  char_end: number;
  boxes: string;
}

/**
 * Hybrid search: vector nearest neighbours (in-memory bit-vector first pass, exact rescoring with
 * sqlite-vec's vec_distance_cosine) and FTS5 BM25, fused by reciprocal rank. Only documents that
 * finished indexing are searched.
 */
export class Retriever {
  // Prepared once: every search runs these.
  private readonly termCount;
  private readonly maxChunkId;
  private readonly ftsAll;
  private readonly ftsInDocuments;
  private readonly readyIds;
  private readonly rowsById;

  private readonly termCounts = new Map<string, number>();
  private termCountsVersion: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly settings: RetrievalSettings = DEFAULT_RETRIEVAL_SETTINGS,
  ) {
    this.termCount = db.prepare(`SELECT doc FROM chunks_fts_vocab WHERE term = ?`).pluck();
    this.maxChunkId = db.prepare(`SELECT max(id) FROM chunks`).pluck();
    // bm25() rather than FTS5's rank column: ordering by rank makes FTS5 prepare an SQL statement
    // of its own on every query (125 instead of 198 µs for an 11-word question over 50 chunks).
    // Ordering by the alias computes BM25 once per row. Scores and order are the same.
    this.ftsAll = db.prepare(
      `SELECT rowid AS chunkId, -bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score DESC LIMIT ?`,
    );
    this.ftsInDocuments = db.prepare(
      `SELECT c.id AS chunkId, -bm25(chunks_fts) AS score FROM chunks_fts f
       JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id
       WHERE chunks_fts MATCH ? AND d.status = 'ready' AND c.document_id IN (SELECT value FROM json_each(?))
       ORDER BY score DESC LIMIT ?`,
    );
    this.readyIds = db
      .prepare(
        `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
         WHERE d.status = 'ready' AND c.id IN (SELECT value FROM json_each(?))`,
      )
      .pluck();
    this.rowsById = db.prepare(
      `SELECT c.id, c.document_id, d.title, c.page_number, c.text, c.char_start, c.char_end, c.boxes
       FROM chunks c JOIN documents d ON d.id = c.document_id
       WHERE c.id IN (SELECT value FROM json_each(?))`,
    );
  }

  /**
   * The keyword leg alone, so a caller can run it while the query is being embedded and pass
   * it to `search`.
   */
  keywordHits(options: SearchOptions): LegHit[] {
    return options.mode !== 'vector' ? this.keywordLeg(options.query, this.depth(options), documentFilter(options)) : [];
  }

  search(options: SearchOptions, vectors: VectorStore | null, queryVector: Float32Array | null, keywordLeg = this.keywordHits(options)): SearchHit[] {
    const depth = this.depth(options);
    const docs = documentFilter(options);
    const vectorLeg =
      options.mode !== 'keyword' && vectors && queryVector ? this.vectorLeg(vectors, queryVector, depth, docs) : [];

    let ranked: { chunkId: number; score: number }[];
    if (options.mode === 'vector') ranked = vectorLeg;
    else if (options.mode === 'keyword') ranked = keywordLeg;
    else {
      const fused = new Map<number, number>();
      for (const leg of [vectorLeg, keywordLeg]) {
        leg.forEach((hit, rank) => fused.set(hit.chunkId, (fused.get(hit.chunkId) ?? 0) + 1 / (this.settings.rrfK + rank + 1)));
      }
      ranked = [...fused].map(([chunkId, score]) => ({ chunkId, score })).sort((a, b) => b.score - a.score);
    }
    const top = ranked.slice(0, options.k);
    const vectorScores = new Map(vectorLeg.map((h) => [h.chunkId, h.score]));
    const keywordScores = new Map(keywordLeg.map((h) => [h.chunkId, h.score]));
    const rows = this.chunkRows(top.map((h) => h.chunkId));
    return top.flatMap(({ chunkId, score }) => {
      const row = rows.get(chunkId);
      if (!row) return [];
      return [
        {
          chunkId,
          documentId: row.document_id,
          title: row.title,
          page: row.page_number,
          text: row.text,
          charStart: row.char_start,
          charEnd: row.char_end,
          boxes: JSON.parse(row.boxes) as TextBox[],
          score,
          vectorScore: vectorScores.get(chunkId) ?? null,
          keywordScore: keywordScores.get(chunkId) ?? null,
        },
      ];
    });
  }

  private depth(options: SearchOptions): number {
    return legDepth(this.settings, options.k);
  }

  private vectorLeg(vectors: VectorStore, query: Float32Array, depth: number, docs?: readonly number[]): LegHit[] {
    const hits = vectors.search(query, depth, (chunks) => rescoreCount(this.settings, depth, chunks), docs);
    const ready = this.readyChunks(hits.map((h) => h.chunkId));
    return hits.filter((h) => ready.has(h.chunkId)).map((h) => ({ chunkId: h.chunkId, score: h.similarity }));
  }

  private keywordLeg(query: string, depth: number, docs?: readonly number[]): LegHit[] {
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    // max(id) bounds the chunk count from above in O(log n); count(*) would scan the table.
    const total = (this.maxChunkId.get() as number | null) ?? 0;
    this.dropStaleTermCounts();
    const kept = pruneCommonTerms(terms, (term) => this.documentCount(term), total);
    if (kept.length === 0) return [];
    const fts = kept.map((t) => `"${t}"`).join(' OR ');
    // Without a document filter FTS5 can rank and cut on its own index; the join comes after.
    const rows = (docs ? this.ftsInDocuments.all(fts, JSON.stringify(docs), depth) : this.ftsAll.all(fts, depth)) as LegHit[];
    if (docs) return rows;
    const ready = this.readyChunks(rows.map((r) => r.chunkId));
    return rows.filter((r) => ready.has(r.chunkId));
  }

  /**
   * Chunks holding a term. fts5vocab counts them by reading the term's whole posting list, which
   * for common words was half the keyword leg's time (2.4 of 5.4 ms at 100k chunks), so counts
   * are kept until the index changes (documents added, indexed or removed, by any connection).
   */
  private dropStaleTermCounts(): void {
    // No counter (never so after migrating): nothing is kept.
    const version = indexVersion(this.db);
    if (version === null || version !== this.termCountsVersion || this.termCounts.size > 100_000) {
      this.termCounts.clear();
      this.termCountsVersion = version;
    }
  }

  private documentCount(term: string): number {
    let count = this.termCounts.get(term);
    if (count === undefined) {
      count = (this.termCount.get(term) as number | undefined) ?? 0;
      this.termCounts.set(term, count);
    }
    return count;
  }

  private readyChunks(ids: readonly number[]): Set<number> {
    return new Set(ids.length ? (this.readyIds.all(JSON.stringify(ids)) as number[]) : []);
  }

  private chunkRows(ids: readonly number[]): Map<number, ChunkRow> {
    const rows = ids.length ? (this.rowsById.all(JSON.stringify(ids)) as ChunkRow[]) : [];
    return new Map(rows.map((r) => [r.id, r]));
  }
}
