import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

let llama: Promise<Llama> | null = null;

/**
 * One llama.cpp runtime per process. The backend is chosen automatically (CUDA, Vulkan,
 * Metal where present, CPU otherwise); DOCENT_GPU=false forces the CPU.
 */
export function getRuntime(): Promise<Llama> {
  llama ??= getLlama({
    gpu: process.env['DOCENT_GPU'] === 'false' ? false : 'auto',
    logLevel: LlamaLogLevel.error,
    progressLogs: false,
  });
  return llama;
}
