import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ApiError } from '../../../preload/contract/index.js';
import type { ExtractResult, ExtractTask } from './pdf-worker.js';

export interface PdfWorkerPoolOptions {
  /** Worker threads; defaults to the machine's available parallelism. */
  threads?: number;
  /** V8 heap limit per worker. A PDF that needs more fails alone. */
  maxHeapMb?: number;
}

const fromSource = import.meta.url.endsWith('.ts');
const workerFile = fileURLToPath(new URL(fromSource ? './pdf-worker.ts' : './pdf-worker.js', import.meta.url));

/**
 * PDF parsing off the main thread. Aborting a task (time limit or cancellation) terminates
 * the worker running it; piscina starts a fresh one for the next task.
 */
export class PdfWorkerPool {
  readonly threads: number;
  private readonly pool: Piscina<ExtractTask, ExtractResult>;

  constructor(options: PdfWorkerPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? os.availableParallelism());
    this.pool = new Piscina({
      filename: workerFile,
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1024 },
      // Running from TypeScript sources (tests, tsx): the worker needs the same loader.
      execArgv: fromSource ? [...process.execArgv, '--import', 'tsx'] : process.execArgv,
    });
  }

  /** Runs one extraction; never throws for a bad PDF, only returns its error. */
  async extract(task: ExtractTask, signal: AbortSignal, timedOut: () => boolean): Promise<ExtractResult> {
    try {
      return await this.pool.run(task, { signal });
    } catch (error) {
      return { ok: false, error: poolError(error, signal, timedOut()) };
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

function poolError(error: unknown, signal: AbortSignal, timedOut: boolean): ApiError {
  if (signal.aborted && timedOut) {
    return { code: 'PDF_TIMEOUT', message: 'Reading this PDF took longer than the time limit; it was stopped.' };
  }
  if (signal.aborted) return { code: 'CANCELLED', message: 'Cancelled.' };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: 'PDF_TOO_LARGE', message: 'Reading this PDF needed more memory than allowed; it was stopped.' };
  }
  return { code: 'PDF_CORRUPT', message: `Reading this PDF failed: ${error instanceof Error ? error.message : String(error)}` };
}
