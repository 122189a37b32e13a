/**
 * Ingestion throughput (DESIGN.md, "Performance method"): pages per second of our extraction +
 * chunking + embedding + indexing against `pdftotext` on the same files in the same run.
 * Each of our runs is a fresh process (bench/ingest-child.ts) with a fresh library file.
 *
 *   node dist/bench/ingest.js [--runs 3] [--corpus DIR]   (or BENCH_INGEST_RUNS, BENCH_CORPUS)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixtureModels } from '../tests/fixtures/gguf/models.js';
import type { ChildResult } from './ingest-child.js';
import { fmt, isMain, median, option, printTable, verdict } from './util.js';

const CORPUS = path.resolve(option('corpus', 'BENCH_CORPUS', '../shared/corpus/py-pdf-samples'));
const BIG_FILE = path.join(CORPUS, '009-pdflatex-geotopo/GeoTopo-komprimiert.pdf');
const WARMUP_SAMPLE = path.join(CORPUS, '001-trivial/minimal-document.pdf');
const CHILD = fileURLToPath(new URL('./ingest-child.js', import.meta.url));
export const TARGET_RATIO = 0.5;
export const TARGET_RSS_MB = 600;

export type Variant = 'model' | 'hash';

interface Ours {
  /** Pages of the files we indexed; a failed file counts 0. */
  pages: number;
  /** Steady state: the second pass over the files. */
  pagesPerSecond: number;
  ratio: number;
  /** First pass, right after the workers started. */
  firstPassPagesPerSecond: number;
  firstPassRatio: number;
  maxRssMb: number;
}

export interface IngestSetResult {
  name: string;
  files: number;
  pdftotext: { pages: number; pagesPerSecond: number };
  ours: Record<Variant, Ours>;
  failed: string[];
}

function pdfFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.toLowerCase().endsWith('.pdf'))
    .map((f) => path.join(dir, f))
    .sort();
}

/**
 * The reference and the page counts come from poppler's pdftotext and pdfinfo. Without them
 * every file would count 0 reference pages and every ratio would be Infinity, "ok".
 */
export function requirePoppler(): void {
  // Not found, or found and broken (a shared library missing: exit 127).
  const missing = ['pdftotext', 'pdfinfo'].filter((tool) => spawnSync(tool, ['-v']).status !== 0);
  if (missing.length > 0) {
    throw new Error(`The ingestion benchmark measures against poppler's pdftotext and counts pages with pdfinfo; ${missing.join(' and ')} cannot be run here. Install poppler (Debian: apt-get install poppler-utils) and run it again.`);
  }
}

/** A ratio meets the target only if it was measured: over a reference of 0 pages it is Infinity. */
export function meetsRatio(ratio: number): boolean {
  return Number.isFinite(ratio) && ratio >= TARGET_RATIO;
}

function pageCount(file: string): number {
  const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info.stdout)?.[1] ?? 0);
}

/** One pdftotext process per file, one at a time; files it fails on count 0 pages. */
function pdftotext(files: ReadonlyMap<string, number>): { pages: number; seconds: number } {
  let pages = 0;
  const start = performance.now();
  for (const [file, count] of files) {
    if (spawnSync('pdftotext', ['-q', file, '/dev/null']).status === 0) pages += count;
  }
  return { pages, seconds: (performance.now() - start) / 1000 };
}

function ours(variant: Variant, model: string, files: readonly string[]): ChildResult {
  const out = execFileSync(process.execPath, [CHILD, variant, model, WARMUP_SAMPLE, ...files], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
}

interface Paired {
  ours: ChildResult;
  /** pdftotext pages/s measured right before, so both saw the same load on a shared machine. */
  referencePps: number;
}

function summarize(runs: readonly Paired[]): Ours {
  const pps = (r: Paired) => r.ours.pages / r.ours.seconds;
  const firstPps = (r: Paired) => r.ours.firstPassPages / r.ours.firstPassSeconds;
  return {
    pages: runs[0]!.ours.pages,
    pagesPerSecond: median(runs.map(pps)),
    ratio: median(runs.map((r) => pps(r) / r.referencePps)),
    firstPassPagesPerSecond: median(runs.map(firstPps)),
    firstPassRatio: median(runs.map((r) => firstPps(r) / r.referencePps)),
    maxRssMb: Math.max(...runs.map((r) => r.ours.maxRssMb)),
  };
}

/** Runs alternate between the variants, each paired with a pdftotext run just before it. */
function measureSet(name: string, files: readonly string[], model: string, runs: number): IngestSetResult {
  const counted = new Map(files.map((file) => [file, pageCount(file)]));
  // Warm-up: binary and files in the page cache. It must read something, or there is no reference.
  if (pdftotext(counted).pages === 0) {
    throw new Error(`pdfinfo and pdftotext read no page of the ${files.length} files of ${name}: there is no reference to measure against. Check that poppler-utils works here (pdftotext FILE.pdf -).`);
  }
  const references: { pages: number; seconds: number }[] = [];
  const paired = (variant: Variant): Paired => {
    const reference = pdftotext(counted);
    references.push(reference);
    return { referencePps: reference.pages / reference.seconds, ours: ours(variant, model, files) };
  };
  const results = Array.from({ length: runs }, () => ({ model: paired('model'), hash: paired('hash') }));
  return {
    name,
    files: files.length,
    pdftotext: { pages: references[0]!.pages, pagesPerSecond: median(references.map((r) => r.pages / r.seconds)) },
    ours: { model: summarize(results.map((r) => r.model)), hash: summarize(results.map((r) => r.hash)) },
    failed: results[0]!.model.ours.failed,
  };
}

export function runIngestBench(runs = 3): IngestSetResult[] {
  requirePoppler();
  const { embeddingModel } = ensureFixtureModels();
  console.log(`\n## Ingestion: pages/s and ratios, median of ${runs} runs, each a fresh process and library`);
  console.log('ours = pdf.js extraction + chunking + embedding + indexing, 2 worker threads; pdftotext = one process per file, one at a time');
  console.log('each of our runs is paired with a pdftotext run just before it; a ratio is the median of the pairs');
  console.log('model = fixture embedding GGUF (64 dims) through createCore; hash = same Ingestor, no model: tokens = words x 1.3, vectors from a text hash');
  console.log('first pass = right after the workers started; warm = the same files again (steady state)');
  const sets = [
    measureSet('py-pdf-samples (all)', pdfFiles(CORPUS), embeddingModel, runs),
    measureSet('GeoTopo (117 pages)', [BIG_FILE], embeddingModel, runs),
  ];
  printTable(
    ['files', 'ours', 'pages ours/ref', 'pdftotext p/s', 'ours p/s first', 'ratio', 'ours p/s warm', 'ratio', 'peak RSS'],
    sets.flatMap((s) =>
      (['model', 'hash'] as const).map((variant) => {
        const o = s.ours[variant];
        return [
          s.name,
          variant,
          `${o.pages}/${s.pdftotext.pages}`,
          fmt(s.pdftotext.pagesPerSecond, 1),
          fmt(o.firstPassPagesPerSecond, 1),
          fmt(o.firstPassRatio),
          fmt(o.pagesPerSecond, 1),
          fmt(o.ratio),
          `${fmt(o.maxRssMb, 0)} MB`,
        ];
      }),
    ),
  );
  for (const s of sets) {
    for (const variant of ['model', 'hash'] as const) {
      const ok = meetsRatio(s.ours[variant].ratio);
      console.log(`${s.name}: ours (${variant}, warm) / pdftotext ${fmt(s.ours[variant].ratio)}   (target >= ${TARGET_RATIO}: ${verdict(ok)})`);
    }
  }
  const rss = sets[1]!.ours.model.maxRssMb;
  console.log(`GeoTopo peak RSS (model) ${fmt(rss, 0)} MB   (target < ${TARGET_RSS_MB} MB: ${verdict(rss < TARGET_RSS_MB)})`);
  if (sets[0]!.failed.length > 0) console.log(`not indexed by us (0 pages): ${sets[0]!.failed.join(', ')}`);
  return sets;
}

if (isMain(import.meta.url)) runIngestBench(Number(option('runs', 'BENCH_INGEST_RUNS', '3')));
