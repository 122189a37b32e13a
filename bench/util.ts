import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { processRuns } from '../main/core/processes.js';

// The same seeded generators the fixture models are made with.
import { mulberry32, normalSampler } from '../tests/fixtures/gguf/models.js';

export { mulberry32, normalSampler as gaussian };

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

/**
 * A 95% interval for the median of `values`: the 2.5th and 97.5th percentiles of the medians of
 * `rounds` resamples drawn with replacement (the percentile bootstrap). Seeded, so the same
 * values always give the same interval.
 */
export function medianInterval(values: readonly number[], rounds = 2000, seed = 1): [low: number, high: number] {
  if (values.length === 0) return [NaN, NaN];
  const uniform = mulberry32(seed);
  const medians = Array.from({ length: rounds }, () => median(Array.from(values, () => values[Math.floor(uniform() * values.length)]!)));
  return [percentile(medians, 2.5), percentile(medians, 97.5)];
}

/** Milliseconds spent in `fn`. */
export function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** `--name value` from the command line, else the environment variable, else the fallback. */
export function option(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env[env] ?? fallback;
}

/** True when this module is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
}

/**
 * An empty folder in the OS temp dir named after this process. Folders that killed runs left
 * behind (their process is gone) are removed first: a 1M-chunk library is gigabytes.
 */
export function tempDir(prefix: string): string {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(name.startsWith(`${prefix}-`) ? name.slice(prefix.length + 1) : NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !processRuns(pid)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
  const dir = path.join(os.tmpdir(), `${prefix}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  return dir;
}

export const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Prints a left-aligned text table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}
