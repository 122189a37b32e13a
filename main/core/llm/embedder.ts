import os from 'node:os';
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import type { EmbeddingModelInfo } from '../../../preload/contract/index.js';
import { DocentError } from '../errors.js';
import { inspectModelFile, type ModelFileInfo } from './model-file.js';
import { getRuntime } from './runtime.js';

export interface Embedder {
  readonly info: EmbeddingModelInfo;
  /** Largest input, in tokens, that one embedding call accepts. */
  readonly maxInputTokens: number;
  countTokens(text: string): number;
  embed(text: string): Promise<Float32Array>;
  dispose(): Promise<void>;
}

const CONTEXT_TOKENS = 2048;

/**
 * Threads for embedding. PDF workers run beside it during ingestion, and llama.cpp threads
 * that outnumber free cores spin against each other (measured: 30x slower on 2 cores), so the
 * default is half the cores; DOCENT_EMBEDDING_THREADS overrides it.
 */
export function embeddingThreads(): number {
  const fromEnv = Number(process.env['DOCENT_EMBEDDING_THREADS']);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/**
 * A GGUF embedding model through node-llama-cpp. Its LlamaEmbeddingContext evaluates one input
 * per call under a lock (one sequence per context); callers keep several calls in flight so the
 * next input is always queued.
 */
export async function loadEmbedder(file: string, sha256: (info: ModelFileInfo) => Promise<string>): Promise<Embedder> {
  const fileInfo = await inspectModelFile(file);
  if (fileInfo.type === 'adapter') {
    throw new DocentError('MODEL_INVALID', `${fileInfo.name} is a LoRA adapter, not an embedding model.`);
  }
  const llama = await getRuntime();
  let model: LlamaModel;
  let context: LlamaEmbeddingContext;
  try {
    model = await llama.loadModel({ modelPath: fileInfo.path });
  } catch (error) {
    throw new DocentError('MODEL_INVALID', `Could not load ${fileInfo.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const trainContext = model.trainContextSize;
  const contextSize = Math.max(64, Math.min(trainContext || CONTEXT_TOKENS, CONTEXT_TOKENS));
  try {
    context = await model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads: embeddingThreads() });
  } catch (error) {
    await model.dispose();
    throw new DocentError('MODEL_INVALID', `${fileInfo.name} cannot compute embeddings: ${error instanceof Error ? error.message : String(error)}`);
  }
  const info: EmbeddingModelInfo = {
    path: fileInfo.path,
    sha256: await sha256(fileInfo),
    dimensions: model.embeddingVectorSize,
    name: fileInfo.name,
  };
  return {
    info,
    // Room for the beginning/end tokens the context adds around every input.
    maxInputTokens: contextSize - 8,
    countTokens: (text) => model.tokenize(text).length,
    async embed(text) {
      const embedding = await context.getEmbeddingFor(text);
      return Float32Array.from(embedding.vector);
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
