/**
 * All benchmarks, then a summary of the ratios and targets; the summary is also written to
 * bench/.results/latest.json.  `npm run bench`
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { overheadText, printChatBench, runChatBench } from './chat.js';
import { meetsRatio, runIngestBench, TARGET_RATIO, TARGET_RSS_MB } from './ingest.js';
import { runSearchBench, TARGET_HYBRID_P95_MS, TARGET_RECALL, TARGET_SPEEDUP, type SearchResult } from './search.js';
import { fmt, printTable, verdict } from './util.js';

const started = performance.now();
const ingest = runIngestBench();
const search: SearchResult[] = [runSearchBench('100k'), runSearchBench('1m')];
const chat = await runChatBench();
printChatBench(chat);

type Row = [metric: string, value: string, target: string, ok: boolean | null];
const rows: Row[] = [
  ...ingest.flatMap((s): Row[] => [
    [`ingest ${s.name}: ours/pdftotext warm (first pass)`, `${fmt(s.ours.model.ratio)} (${fmt(s.ours.model.firstPassRatio)})`, `>= ${TARGET_RATIO}`, meetsRatio(s.ours.model.ratio)],
    [`ingest ${s.name}: same, no embedding model`, `${fmt(s.ours.hash.ratio)} (${fmt(s.ours.hash.firstPassRatio)})`, `>= ${TARGET_RATIO}`, meetsRatio(s.ours.hash.ratio)],
  ]),
  [`ingest GeoTopo: peak RSS`, `${fmt(ingest[1]!.ours.model.maxRssMb, 0)} MB`, `< ${TARGET_RSS_MB} MB`, ingest[1]!.ours.model.maxRssMb < TARGET_RSS_MB],
  ...search.flatMap((r): Row[] => [
    [`search ${r.size}: plain scan/ours vector p50`, `${fmt(r.ratioP50)}x`, `>= ${TARGET_SPEEDUP}x`, r.ratioP50 >= TARGET_SPEEDUP],
    [`search ${r.size}: plain scan/ours vector p95`, `${fmt(r.ratioP95)}x`, `>= ${TARGET_SPEEDUP}x`, r.ratioP95 >= TARGET_SPEEDUP],
    [`search ${r.size}: recall@10 vector leg`, fmt(r.recall, 3), `>= ${TARGET_RECALL}`, r.recall >= TARGET_RECALL],
    r.size === '100k'
      ? [`search ${r.size}: hybrid p50 / p95`, `${fmt(r.hybrid.p50)} / ${fmt(r.hybrid.p95)} ms`, `p95 < ${TARGET_HYBRID_P95_MS} ms`, r.hybrid.p95 < TARGET_HYBRID_P95_MS]
      : [`search ${r.size}: hybrid p50 / p95`, `${fmt(r.hybrid.p50)} / ${fmt(r.hybrid.p95)} ms`, '', null],
    [`search ${r.size}: first query after opening`, `${fmt(r.firstQueryMs, 0)} ms`, '', null],
    [`search ${r.size}: build`, `${fmt(r.buildSeconds, 0)} s, ${fmt(r.dbMb, 0)} MB`, '', null],
  ]),
  [`chat: time to first token, ours/bare node-llama-cpp`, overheadText(chat.overhead), '< +5%', chat.overhead.overheadPercent < 5],
  [`chat: citation markers naming a prompt source (${chat.citations.answers} answers)`, `${chat.citations.validMarkers}/${chat.citations.markers}`, '100%', chat.citations.markers > 0 && chat.citations.validMarkers === chat.citations.markers],
];

const minutes = (performance.now() - started) / 60_000;
console.log(`\n## Summary (${fmt(minutes, 1)} min; ratios are the figures, absolute times are noise on shared machines)`);
printTable(
  ['metric', 'value', 'target', ''],
  rows.map(([metric, value, target, ok]) => [metric, value, target, ok === null ? '' : verdict(ok)]),
);

const out = path.resolve('bench/.results/latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
const summary = Object.fromEntries(rows.map(([metric, value, target, ok]) => [metric, { value, target, ok }]));
const machine = { node: process.version, cpus: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? null, memoryGb: os.totalmem() / 2 ** 30 };
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), minutes, machine, summary, ingest, search, chat }, null, 2) + '\n');
console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
