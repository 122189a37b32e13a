import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { DocentError, errorMessage } from '../errors.js';

export interface ModelFileInfo {
  path: string;
  name: string;
  architecture: string;
  /** `general.type` ("model", "adapter", ...) where the file declares it. */
  type: string | null;
  size: number;
  mtimeMs: number;
  /** The GGUF metadata as read, for checks specific to a kind of model. */
  metadata: Record<string, unknown>;
  /** Tensor shapes by name, when asked for. */
  tensors?: Map<string, number[]>;
}

const EMBEDDING_ARCHITECTURES = new Set(['bert', 'nomic-bert', 'jina-bert-v2', 't5encoder', 'modern-bert']);

/**
 * Whether a model is made for embeddings: an encoder architecture, or any model that declares
 * how it pools its tokens into one vector (decoder-based embedding models do; chat models do not).
 */
export function isEmbeddingModel(info: ModelFileInfo): boolean {
  const arch = info.metadata[info.architecture] as Record<string, unknown> | undefined;
  return EMBEDDING_ARCHITECTURES.has(info.architecture) || arch?.['pooling_type'] !== undefined;
}

/** Reads a GGUF file's metadata before anything loads it, so a bad file is a clear error. */
export async function inspectModelFile(file: string, options: { tensors?: boolean } = {}): Promise<ModelFileInfo> {
  const resolved = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new DocentError('MODEL_NOT_FOUND', `No model file at ${resolved}.`);
  }
  if (!stat.isFile()) throw new DocentError('MODEL_NOT_FOUND', `${resolved} is not a file.`);
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(resolved, { readTensorInfo: options.tensors ?? false });
  } catch (error) {
    throw new DocentError(
      'MODEL_INVALID',
      `${path.basename(resolved)} is not a usable GGUF model file (${errorMessage(error)}).`,
    );
  }
  const general = info.metadata.general as { name?: unknown; architecture?: unknown; type?: unknown } | undefined;
  return {
    path: resolved,
    name: typeof general?.name === 'string' && general.name ? general.name : path.basename(resolved, '.gguf'),
    architecture: String(general?.architecture ?? 'unknown'),
    type: typeof general?.type === 'string' ? general.type : null,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    metadata: info.metadata as unknown as Record<string, unknown>,
    ...(options.tensors ? { tensors: tensorShapes(info.fullTensorInfo) } : {}),
  };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Tensor shapes by name, from a GGUF file's tensor info. */
export function tensorShapes(tensors: readonly { name: string; dimensions: readonly (number | bigint)[] }[] = []): Map<string, number[]> {
  return new Map(tensors.map((t) => [t.name, t.dimensions.map(Number)]));
}
