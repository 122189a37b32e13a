import os from 'node:os';
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import type { EmbeddingModelInfo } from '../../../preload/contract/index.js';
import { DocentError, errorMessage } from '../errors.js';
import { tokenBound } from './tokens.js';
import { inspectModelFile, isEmbeddingModel, type ModelFileInfo } from './model-file.js';
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
 * How embedding uses the cores: `contexts` contexts of `threads` threads each, the inputs spread
 * over them. One context evaluates one input at a time, and on small models a second thread in
 * it mostly waits at barriers (measured slower on 2 cores), while a second single-threaded
 * context embeds beside the first (with the fixture model on 2 cores, GeoTopo ingested in
 * 1.8–2.2 s with two contexts, 2.3–2.8 s with one). So by default two contexts share half the
 * cores, since PDF parsing runs beside them during ingestion.
 * DOCENT_EMBEDDING_CONTEXTS and DOCENT_EMBEDDING_THREADS (per context) override it.
 */
export function embeddingParallelism(): { contexts: number; threads: number } {
  const fromEnv = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const cores = os.availableParallelism();
  return {
    contexts: fromEnv('DOCENT_EMBEDDING_CONTEXTS') ?? Math.min(2, cores),
    threads: fromEnv('DOCENT_EMBEDDING_THREADS') ?? Math.max(1, Math.floor(cores / 4)),
  };
}

/**
 * A GGUF embedding model through node-llama-cpp. A LlamaEmbeddingContext evaluates one input per
 * call under a lock (one sequence per context); each call goes to the context with the fewest
 * calls in flight, and callers keep several in flight so no context waits on them.
 */
export async function loadEmbedder(
  file: string,
  sha256: (info: ModelFileInfo) => Promise<string>,
  options: { mustBeEmbeddingModel?: boolean } = {},
): Promise<Embedder> {
  const fileInfo = await inspectModelFile(file);
  if (fileInfo.type === 'adapter') {
    throw new DocentError('MODEL_INVALID', `${fileInfo.name} is a LoRA adapter, not an embedding model.`);
  }
  if (options.mustBeEmbeddingModel && !isEmbeddingModel(fileInfo)) {
    throw new DocentError(
      'MODEL_INVALID',
      `${fileInfo.name} is not an embedding model (a ${fileInfo.architecture} model that declares no pooling, as chat models do). Choose an embedding model, such as a BGE or nomic-embed GGUF.`,
    );
  }
  const llama = await getRuntime();
  let model: LlamaModel;
  const contexts: { context: LlamaEmbeddingContext; inFlight: number }[] = [];
  try {
    model = await llama.loadModel({ modelPath: fileInfo.path });
  } catch (error) {
    throw new DocentError('MODEL_INVALID', `Could not load ${fileInfo.name}: ${errorMessage(error)}`);
  }
  const trainContext = model.trainContextSize;
  const contextSize = Math.max(64, Math.min(trainContext || CONTEXT_TOKENS, CONTEXT_TOKENS));
  // Room for the beginning/end tokens the context adds around every input.
  const maxInputTokens = contextSize - 8;
  const parallelism = embeddingParallelism();
  try {
    for (let i = 0; i < parallelism.contexts; i++) {
      const context = await model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads: parallelism.threads });
      contexts.push({ context, inFlight: 0 });
    }
  } catch (error) {
    // One context is enough to work; more are only speed.
    if (contexts.length === 0) {
      await model.dispose();
      throw new DocentError('MODEL_INVALID', `${fileInfo.name} cannot compute embeddings: ${errorMessage(error)}`);
    }
  }
  const info: EmbeddingModelInfo = {
    path: fileInfo.path,
    sha256: await sha256(fileInfo),
    dimensions: model.embeddingVectorSize,
    name: fileInfo.name,
  };
  return {
    info,
    maxInputTokens,
    countTokens: (text) => model.tokenize(text).length,
    async embed(text) {
      const slot = contexts.reduce((best, c) => (c.inFlight < best.inFlight ? c : best));
      slot.inFlight++;
      try {
        // Chunks are cut to fit when ingested; a longer question is embedded by its beginning
        // (the keyword leg reads all of it). Only a text that might not fit is tokenized here.
        const input = tokenBound(text) <= maxInputTokens ? text : model.tokenize(text).slice(0, maxInputTokens);
        const embedding = await slot.context.getEmbeddingFor(input);
        return Float32Array.from(embedding.vector);
      } finally {
        slot.inFlight--;
      }
    },
    async dispose() {
      for (const { context } of contexts) await context.dispose();
      await model.dispose();
    },
  };
}
