import os from 'node:os';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import type { ModelStatus } from '../../../preload/contract/index.js';

let llama: Promise<Llama> | null = null;
const recentErrors: string[] = [];

/**
 * One llama.cpp runtime per process. The backend is chosen automatically (CUDA, Vulkan,
 * Metal where present, CPU otherwise); DOCENT_GPU=false forces the CPU.
 */
export function getRuntime(): Promise<Llama> {
  llama ??= getLlama({
    gpu: process.env['DOCENT_GPU'] === 'false' ? false : 'auto',
    logLevel: LlamaLogLevel.error,
    progressLogs: false,
    // llama.cpp explains some failures (a LoRA for another model, say) only in its log.
    logger(level, message) {
      if (level !== LlamaLogLevel.error && level !== LlamaLogLevel.fatal) return;
      recentErrors.push(message.trim());
      if (recentErrors.length > 20) recentErrors.shift();
    },
  });
  return llama;
}

/** llama.cpp's error lines since the last call, for error messages a person can act on. */
export function takeLlamaErrors(): string[] {
  return recentErrors.splice(0);
}

/** Threads for generation: DOCENT_THREADS, else every core. */
export function generationThreads(): number {
  const fromEnv = Number(process.env['DOCENT_THREADS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : os.availableParallelism();
}

export async function backendStatus(): Promise<Omit<ModelStatus, 'chatModel'>> {
  const runtime = await getRuntime();
  const backend = runtime.gpu === false ? 'cpu' : runtime.gpu;
  const vram = backend === 'cpu' ? null : await runtime.getVramState();
  return {
    backend,
    deviceNames: backend === 'cpu' ? [os.cpus()[0]?.model ?? 'CPU'] : await runtime.getGpuDeviceNames(),
    vram: vram ? { total: vram.total, used: vram.used } : null,
    ram: { total: os.totalmem(), free: os.freemem(), used: process.memoryUsage.rss() },
  };
}
