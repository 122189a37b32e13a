import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { createCore, type Core, type CoreOptions } from '../../main/core/index.js';
import { RENDERER_DIR, startServer, type RunningServer } from '../../main/server/http-door.js';
import { REPO_ROOT } from '../fixtures/paths.js';

export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results/e2e');
const CHROMIUM = process.env['DOCENT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Debian's Chromium; never a browser downloaded by Playwright. */
export function chromiumPath(): string | null {
  return fs.existsSync(CHROMIUM) ? CHROMIUM : null;
}

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

/** Builds the renderer when dist/renderer is missing or older than its sources or the contract. */
export function ensureRendererBuilt(): void {
  const index = path.join(RENDERER_DIR, 'index.html');
  const sources = ['renderer', 'preload/contract', 'vite.config.ts', 'package-lock.json'].map((p) => path.join(REPO_ROOT, p));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  // The same build `npm start` serves: vitest sets NODE_ENV=test, which made Vite bundle React's
  // development build into dist/renderer (702 against 448 KB), and npm start found it up to date.
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
  if (build.status !== 0) throw new Error(`vite build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
}

export interface Harness {
  core: Core;
  server: RunningServer;
  dir: string;
  close(): Promise<void>;
}

/** The real core behind the real HTTP door, serving the built renderer, on a fresh library. */
export async function startApp(options: Partial<CoreOptions> = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-e2e-'));
  const core = createCore({ dbPath: path.join(dir, 'library.sqlite'), generationThreads: 1, ...options });
  const server = await startServer({ core, staticDir: RENDERER_DIR });
  return {
    core,
    server,
    dir,
    async close() {
      await server.close();
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Every console error and uncaught page error, with where it came from. */
export function recordErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/**
 * Records long tasks (over 50 ms on the main thread) from the first script on: the observer is
 * injected before the page's own scripts run. Read them with longTasks(page).
 */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript({
    content: `
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
      }).observe({ type: 'longtask', buffered: true });
    `,
  });
}

export async function longTasks(page: Page, since = 0): Promise<{ start: number; duration: number }[]> {
  const tasks = (await page.evaluate('window.__longTasks')) as { start: number; duration: number }[];
  return tasks.filter((t) => t.start >= since);
}

export async function now(page: Page): Promise<number> {
  return (await page.evaluate('performance.now()')) as number;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface TracedTask {
  wallMs: number;
  /** Time the thread actually ran; far below wallMs when another process held the CPU. */
  cpuMs: number;
}

/**
 * Every task of the pages' main threads while `work` runs, from a Chrome trace. Long tasks are
 * wall-clock time; on a loaded two-core machine a 5 ms task can take 100 ms waiting for a CPU,
 * and only the trace's thread time tells that apart from work of the page.
 */
export async function traceMainThreadTasks(browser: Browser, page: Page, work: () => Promise<void>): Promise<TracedTask[]> {
  await browser.startTracing(page, { categories: ['toplevel'] });
  let buffer: Buffer;
  try {
    await work();
  } finally {
    buffer = await browser.stopTracing();
  }
  type TraceEvent = { name: string; cat: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } };
  const { traceEvents } = JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] };
  const mains = new Set(traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  return traceEvents
    .filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && mains.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? e.dur ?? 0) / 1000 }));
}
