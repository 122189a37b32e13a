/**
 * Search latency and recall on synthetic libraries (DESIGN.md, "Performance method"): our hybrid
 * query and our vector leg (bit-vector scan + exact rescoring) against a plain sqlite-vec float
 * KNN over the same vectors, in the same process on the same database file.
 *
 *   node dist/bench/search.js --size 100k|1m|all   (or BENCH_SEARCH_SIZE)
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from '../main/core/store/database.js';
import { DocumentStore, type ChunkRecord, type PageRecord } from '../main/core/store/documents.js';
import { writeEmbeddingModel } from '../main/core/store/meta.js';
import { createVectorTable, normalize, vectorBlob, VectorStore } from '../main/core/store/vectors.js';
import { DEFAULT_RETRIEVAL_SETTINGS, legDepth, rescoreCount, Retriever, type RetrievalSettings } from '../main/core/retrieval/hybrid.js';
import type { SearchHit, SearchMode } from '../preload/contract/index.js';
import { fmt, gaussian, gc, isMain, mulberry32, option, percentile, printTable, tempDir, timeMs, verdict } from './util.js';

const DIM = 384;
const CENTROIDS = 2000;
/** Norm of the noise added to a centroid (cosine to its centroid ≈ 0.7). */
const CHUNK_NOISE = 1.0;
/** Norm of the noise added to a stored vector to make a query (cosine to it ≈ 0.9). */
const QUERY_NOISE = 0.5;
const VOCABULARY = 20_000;
const ZIPF_EXPONENT = 1.0;
const WORDS_PER_CHUNK = 60;
const CHUNKS_PER_PAGE = 20;
const CHUNKS_PER_DOCUMENT = 1000;
const QUERIES = 200;
/** Queries for the diagnostics (keyword leg alone, candidate sweep), which are slow at 1M. */
const SAMPLE = 50;
const WARMUP_QUERIES = 10;
const K = 10;
export const TARGET_SPEEDUP = 2;
export const TARGET_RECALL = 0.95;
export const TARGET_HYBRID_P95_MS = 20;

export const SIZES = { '100k': 100_000, '1m': 1_000_000 } as const;
export type SizeName = keyof typeof SIZES;

interface Latency {
  p50: number;
  p95: number;
}

export interface SweepRow {
  candidates: number;
  recall: number;
  vector: Latency;
}

export interface SearchResult {
  size: SizeName;
  chunks: number;
  buildSeconds: number;
  dbMb: number;
  firstQueryMs: number;
  hybrid: Latency;
  vector: Latency;
  keyword: Latency;
  reference: Latency;
  /** reference / ours (vector leg); above 1 means ours is faster. */
  ratioP50: number;
  ratioP95: number;
  recall: number;
  sweep: SweepRow[];
}

interface Query {
  text: string;
  vector: Float32Array;
}

/** Deterministic pronounceable words; frequent ranks get the short ones. */
function vocabulary(): string[] {
  const syllables = [...'bcdfghjklmnprstvwz'].flatMap((c) => [...'aeiou'].map((v) => c + v));
  return Array.from({ length: VOCABULARY }, (_, rank) => {
    let word = '';
    let n = rank;
    do {
      word += syllables[n % syllables.length];
      n = Math.floor(n / syllables.length);
    } while (n > 0);
    return word;
  });
}

function zipfSampler(uniform: () => number): () => number {
  const cdf = new Float64Array(VOCABULARY);
  let total = 0;
  for (let r = 0; r < VOCABULARY; r++) cdf[r] = total += 1 / Math.pow(r + 1, ZIPF_EXPONENT);
  return () => {
    const x = uniform() * total;
    let lo = 0;
    let hi = VOCABULARY - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Clustered unit vectors and Zipf-distributed text, reproducible from one seed. */
function syntheticSource(seed: number) {
  const uniform = mulberry32(seed);
  const normal = gaussian(uniform);
  const words = vocabulary();
  const zipf = zipfSampler(uniform);
  const noisy = (base: Float32Array, norm: number) => {
    const sigma = norm / Math.sqrt(DIM);
    return normalize(base.map((x) => x + normal() * sigma));
  };
  const centroids = Array.from({ length: CENTROIDS }, () => normalize(Float32Array.from({ length: DIM }, normal)));
  const text = (count: number) => Array.from({ length: count }, () => words[zipf()]).join(' ');
  return {
    vector: () => noisy(centroids[Math.floor(uniform() * CENTROIDS)]!, CHUNK_NOISE),
    text: () => text(WORDS_PER_CHUNK),
    query: (vector: Float32Array): Query => ({ vector: noisy(vector, QUERY_NOISE), text: text(3 + Math.floor(uniform() * 3)) }),
    pick: (n: number) => Math.floor(uniform() * n),
  };
}

const REFERENCE_TABLE = 'reference_vectors';

/** Builds the library through the store layer, plus a plain float vec0 table with the same vectors. */
function build(db: Db, chunks: number): Query[] {
  const source = syntheticSource(42);
  writeEmbeddingModel(db, { path: 'synthetic', sha256: 'synthetic', dimensions: DIM, name: `synthetic-${DIM}` });
  createVectorTable(db, DIM);
  db.exec(`CREATE VIRTUAL TABLE ${REFERENCE_TABLE} USING vec0(embedding float[${DIM}])`);
  const vectors = new VectorStore(db, DIM);
  const documents = new DocumentStore(db, () => vectors);
  const insertReference = db.prepare(`INSERT INTO ${REFERENCE_TABLE}(rowid, embedding) VALUES (?, ?)`);
  const chunkIds = db.prepare(`SELECT id FROM chunks WHERE document_id = ? ORDER BY id`).pluck();

  const querySources = new Map<number, number>();
  while (querySources.size < QUERIES) {
    const i = source.pick(chunks);
    if (!querySources.has(i)) querySources.set(i, querySources.size);
  }
  const queries: Query[] = new Array(QUERIES);

  for (let first = 0; first < chunks; first += CHUNKS_PER_DOCUMENT) {
    const count = Math.min(CHUNKS_PER_DOCUMENT, chunks - first);
    const pageCount = Math.ceil(count / CHUNKS_PER_PAGE);
    const title = `Synthetic document ${first / CHUNKS_PER_DOCUMENT + 1}`;
    const id = documents.create({
      contentHash: `synthetic-${first}`,
      path: `/synthetic/${first}.pdf`,
      title,
      fileSize: 0,
      fileMtimeMs: 0,
      replacesId: null,
    });
    documents.startIndexing(id, pageCount, title);
    const pages: PageRecord[] = [];
    const records: ChunkRecord[] = [];
    for (let p = 0; p < pageCount; p++) {
      const texts = Array.from({ length: Math.min(CHUNKS_PER_PAGE, count - p * CHUNKS_PER_PAGE) }, source.text);
      let offset = 0;
      for (const text of texts) {
        const i = first + records.length;
        const vector = source.vector();
        const q = querySources.get(i);
        if (q !== undefined) queries[q] = source.query(vector);
        records.push({ pageNumber: p + 1, charStart: offset, charEnd: offset + text.length, tokenCount: WORDS_PER_CHUNK, text, boxes: [], vector });
        offset += text.length + 1;
      }
      pages.push({ pageNumber: p + 1, kind: 'text', text: texts.join('\n'), view: [0, 0, 612, 792], rotation: 0 });
    }
    documents.commitPages(id, pages, records);
    const ids = chunkIds.all(id) as number[];
    db.transaction(() => ids.forEach((chunkId, j) => insertReference.run(BigInt(chunkId), vectorBlob(records[j]!.vector))))();
    documents.markReady(id);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return queries;
}

/** Times `run` on every query after a short warm-up; returns the latencies and what each query returned. */
function measure<T>(run: (q: Query) => T, queries: readonly Query[]): { latency: Latency; results: T[] } {
  for (const q of queries.slice(0, WARMUP_QUERIES)) run(q);
  const results: T[] = [];
  const times = queries.map((q) => timeMs(() => results.push(run(q))));
  return { latency: { p50: percentile(times, 50), p95: percentile(times, 95) }, results };
}

/** Mean share of the exact top-k found, over the queries in `ours` (a prefix of `exact`). */
function recallAt(ours: readonly number[][], exact: readonly number[][]): number {
  let found = 0;
  ours.forEach((ids, i) => {
    const truth = new Set(exact[i]);
    found += ids.filter((id) => truth.has(id)).length;
  });
  return found / (ours.length * K);
}

/** Bit-vector candidates rescored, tried when a vector-leg target is missed; stops once slower than the plain scan. */
const SWEEP = [60, 120, 240, 400, 800, 1600];

export function runSearchBench(size: SizeName): SearchResult {
  const chunks = SIZES[size];
  const dir = tempDir('docent-bench-search');
  const file = path.join(dir, 'library.sqlite');
  const db = openDatabase(file);
  try {
    console.log(`\n## Search, ${size} chunks (${DIM} dimensions, ${CENTROIDS} clusters, ${QUERIES} queries, k=${K})`);
    const started = performance.now();
    const queries = build(db, chunks);
    const buildSeconds = (performance.now() - started) / 1000;
    const dbMb = fs.statSync(file).size / 2 ** 20;
    console.log(`built in ${fmt(buildSeconds, 1)} s, ${fmt(dbMb, 0)} MB`);
    gc();

    const vectors = new VectorStore(db, DIM);
    const ours = (settings: RetrievalSettings = DEFAULT_RETRIEVAL_SETTINGS) => {
      const retriever = new Retriever(db, settings);
      return (mode: SearchMode, q: Query) => retriever.search({ query: q.text, k: K, mode }, vectors, q.vector);
    };
    const search = ours();
    const referenceStmt = db.prepare(`SELECT rowid FROM ${REFERENCE_TABLE} WHERE embedding MATCH ? AND k = ${K}`).pluck();

    const ids = (hits: readonly SearchHit[]) => hits.map((h) => h.chunkId);
    // The first search after opening pays for whatever the vector leg loads (an in-memory index).
    const firstQueryMs = timeMs(() => search('hybrid', queries[0]!));
    const hybrid = measure((q) => search('hybrid', q), queries).latency;
    const sample = queries.slice(0, SAMPLE);
    const keyword = measure((q) => search('keyword', q), sample).latency;
    const vector = measure((q) => ids(search('vector', q)), queries);
    // vec0's float KNN is an exact scan (L2 on unit vectors orders like cosine): the ground truth.
    const reference = measure((q) => referenceStmt.all(vectorBlob(q.vector)) as number[], queries);
    const recall = recallAt(vector.results, reference.results);

    const ratioP50 = reference.latency.p50 / vector.latency.p50;
    const ratioP95 = reference.latency.p95 / vector.latency.p95;
    const sweep: SweepRow[] = [];
    if (recall < TARGET_RECALL || Math.min(ratioP50, ratioP95) < TARGET_SPEEDUP) {
      for (const candidates of SWEEP) {
        const s = ours({ ...DEFAULT_RETRIEVAL_SETTINGS, rescoreFactor: 1, minRescore: candidates, maxRescore: candidates });
        const run = measure((q) => ids(s('vector', q)), sample);
        sweep.push({ candidates, recall: recallAt(run.results, reference.results), vector: run.latency });
        if (run.latency.p50 > reference.latency.p50) break;
      }
    }
    const result: SearchResult = {
      size,
      chunks,
      buildSeconds,
      dbMb,
      firstQueryMs,
      hybrid,
      vector: vector.latency,
      keyword,
      reference: reference.latency,
      ratioP50,
      ratioP95,
      recall,
      sweep,
    };
    printSearch(result);
    return result;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printSearch(r: SearchResult): void {
  const row = (name: string, l: Latency) => [name, fmt(l.p50), fmt(l.p95)];
  printTable(
    ['query (ms)', 'p50', 'p95'],
    [
      row('ours hybrid', r.hybrid),
      row(`ours keyword leg (${SAMPLE} queries)`, r.keyword),
      row('ours vector leg', r.vector),
      row('plain sqlite-vec float KNN', r.reference),
    ],
  );
  const candidates = rescoreCount(DEFAULT_RETRIEVAL_SETTINGS, legDepth(DEFAULT_RETRIEVAL_SETTINGS, K), r.chunks);
  console.log(`vector leg rescores ${candidates} bit-vector candidates (DEFAULT_RETRIEVAL_SETTINGS); first query after opening ${fmt(r.firstQueryMs, 0)} ms`);
  const speedup = Math.min(r.ratioP50, r.ratioP95) >= TARGET_SPEEDUP;
  console.log(`plain scan / ours p50 ${fmt(r.ratioP50)}x, p95 ${fmt(r.ratioP95)}x   (target >= ${TARGET_SPEEDUP}x: ${verdict(speedup)})`);
  console.log(`recall@${K} of the vector leg ${fmt(r.recall, 3)}   (target >= ${TARGET_RECALL}: ${verdict(r.recall >= TARGET_RECALL)})`);
  if (r.size === '100k') {
    console.log(`hybrid p95 ${fmt(r.hybrid.p95)} ms   (target < ${TARGET_HYBRID_P95_MS} ms: ${verdict(r.hybrid.p95 < TARGET_HYBRID_P95_MS)})`);
  }
  if (r.sweep.length > 0) {
    console.log(`\nvector leg by bit-vector candidates rescored (k=${K}, first ${SAMPLE} queries):`);
    printTable(
      ['candidates', `recall@${K}`, 'p50 ms', 'p95 ms', 'plain scan/ours p50'],
      r.sweep.map((s) => [String(s.candidates), fmt(s.recall, 3), fmt(s.vector.p50), fmt(s.vector.p95), fmt(r.reference.p50 / s.vector.p50)]),
    );
  }
}

if (isMain(import.meta.url)) {
  const size = option('size', 'BENCH_SEARCH_SIZE', 'all').toLowerCase();
  const sizes = size === 'all' ? (Object.keys(SIZES) as SizeName[]) : [size as SizeName];
  for (const s of sizes) {
    if (!(s in SIZES)) throw new Error(`Unknown size ${s}; use ${Object.keys(SIZES).join(', ')} or all.`);
    runSearchBench(s);
  }
}
