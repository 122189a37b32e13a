import os from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ApiError } from '../../../preload/contract/index.js';
import type { DocumentInfo, ExtractedPage, ExtractResult, ExtractTask, WorkerMessage } from './pdf-worker.js';
import { errorMessage } from '../errors.js';

export interface PdfWorkerPoolOptions {
  /** Worker threads; defaults to the machine's available parallelism. */
  threads?: number;
  /** V8 heap limit per worker. A PDF that needs more fails alone. */
  maxHeapMb?: number;
}

/**
 * A document's parse-time allowance, counted in worker time its own tasks use, so time spent
 * queued behind another document never counts against it.
 */
export class TimeBudget {
  private usedMs = 0;

  constructor(readonly limitMs: number) {}

  get remainingMs(): number {
    return this.limitMs - this.usedMs;
  }

  spend(ms: number): void {
    this.usedMs += ms;
  }
}

const fromSource = import.meta.url.endsWith('.ts');
const workerFile = fileURLToPath(new URL(fromSource ? './pdf-worker.ts' : './pdf-worker.js', import.meta.url));

const TIMEOUT: ApiError = { code: 'PDF_TIMEOUT', message: 'Reading this PDF took longer than the time limit; it was stopped.' };
const CANCELLED: ApiError = { code: 'CANCELLED', message: 'Cancelled.' };

/**
 * PDF parsing off the main thread. Tasks wait in our own queue and go to piscina only when a
 * worker is free, so a task's clock starts when it runs. A task streams its pages back one by
 * one over its own MessagePort, so they can be indexed while the worker reads on. Aborting a running task (time limit
 * or cancellation) terminates its worker; piscina starts a fresh one for the next task.
 */
export class PdfWorkerPool {
  readonly threads: number;
  private readonly pool: Piscina<ExtractTask & { port: MessagePort }, ExtractResult>;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: PdfWorkerPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? os.availableParallelism());
    this.pool = new Piscina({
      filename: workerFile,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1024 },
      // Running from TypeScript sources (tests, tsx): the worker needs the same loader.
      execArgv: fromSource ? [...workerExecArgv(), '--import', 'tsx'] : workerExecArgv(),
    });
    // A worker that dies outside a task (say, out of memory while starting) is reported here;
    // unheard, the event would end the process. The task it would have run fails on its own.
    this.pool.on('error', () => undefined);
  }

  /**
   * Runs one extraction; never throws for a bad PDF, only returns its error. The time limit
   * starts when the worker reports that it began this task, so a worker's own start-up (after
   * a predecessor was stopped) is not charged to the document.
   */
  async extract(
    task: ExtractTask,
    signal: AbortSignal,
    budget: TimeBudget,
    onPage: (page: ExtractedPage) => void = () => undefined,
    onInfo: (info: DocumentInfo) => void = () => undefined,
  ): Promise<ExtractResult> {
    if (!(await this.acquire(signal))) return { ok: false, error: CANCELLED, pagesSent: 0 };
    if (budget.remainingMs <= 0) {
      this.release();
      return { ok: false, error: TIMEOUT, pagesSent: 0 };
    }
    const timer = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let started: number | null = null;
    let timeout: NodeJS.Timeout | undefined;
    let received = 0;
    let infoSeen = 0;
    // Pages (and a lead task's info) come on our port and the result on piscina's: wait until
    // every message sent has arrived.
    let allArrived = () => {};
    let expected = Infinity;
    const arrived = new Promise<void>((resolve) => (allArrived = resolve));
    port1.on('message', (message: WorkerMessage) => {
      if (message === 'started') {
        started = performance.now();
        timeout = setTimeout(() => timer.abort(), Math.ceil(budget.remainingMs));
        return;
      }
      if ('info' in message) {
        infoSeen = 1;
        onInfo(message.info);
      } else {
        received++;
        onPage(message.page);
      }
      if (received + infoSeen >= expected) allArrived();
    });
    try {
      const result = await this.pool.run({ ...task, port: port2 }, { signal: AbortSignal.any([signal, timer.signal]), transferList: [port2] });
      // A lead task that succeeded posted its info before its pages.
      expected = result.pagesSent + (result.ok && task.lead ? 1 : 0);
      if (received + infoSeen >= expected) allArrived();
      await arrived;
      return result;
    } catch (error) {
      if (timer.signal.aborted) return { ok: false, error: TIMEOUT, pagesSent: received };
      if (signal.aborted) return { ok: false, error: CANCELLED, pagesSent: received };
      return { ok: false, error: workerError(error), pagesSent: received };
    } finally {
      clearTimeout(timeout);
      port1.close();
      if (started !== null) budget.spend(performance.now() - started);
      this.release();
    }
  }

  private acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.running < this.threads) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        this.running++;
        resolve(true);
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Flags about how code is loaded and reported, which a worker must share with the process. */
const WORKER_FLAGS = /^(--import|--require|-r|--loader|--experimental-loader|--conditions|-C|--enable-source-maps|--no-warnings|--disable-warning|--trace-warnings|--(no-)?experimental-[\w-]+)$/;

/**
 * The process's flags that worker threads get. Workers refuse V8 flags (--expose-gc,
 * --max-old-space-size, ...), and Node offers no list of those; forwarding one made every
 * worker fail to start, and so every PDF fail. So only module-loading and warning flags pass.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    // A flag's value may be the next argument ("--import tsx").
    const next = execArgv[i + 1];
    const value = !flag.includes('=') && next !== undefined && !next.startsWith('-') ? next : undefined;
    if (value !== undefined) i++;
    if (WORKER_FLAGS.test(flag.split('=')[0]!)) out.push(flag, ...(value !== undefined ? [value] : []));
  }
  return out;
}

function workerError(error: unknown): ApiError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: 'PDF_TOO_LARGE', message: 'Reading this PDF needed more memory than allowed; it was stopped.' };
  }
  return { code: 'PDF_CORRUPT', message: `Reading this PDF failed: ${errorMessage(error)}` };
}
