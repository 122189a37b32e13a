import { useCallback, useEffect, useState } from 'react';
import type { EmbeddingModelInfo, ModelStatus } from '../../../preload/contract/index.js';
import type { DocentClient } from '../api/client.js';

export interface ModelState {
  status: ModelStatus | null;
  /** A model being loaded (by a question or by loadChatModel) and how far it is. */
  loading: { path: string; progress: number } | null;
  error: string | null;
  /** The library's embedding model; null until one is chosen (the library cannot index without it). */
  embedding: EmbeddingModelInfo | null | undefined;
  /** The embedding model file given at start for a library that has none yet: bound at the first ingest. */
  embeddingFile: string | null;
  embeddingError: string | null;
  load(path: string): Promise<boolean>;
  setEmbedding(path: string): Promise<boolean>;
  refresh(): Promise<void>;
}

export function useModel(client: DocentClient): ModelState {
  const [status, setStatus] = useState<ModelStatus | null>(null);
  const [loading, setLoading] = useState<{ path: string; progress: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [embedding, setEmbeddingInfo] = useState<EmbeddingModelInfo | null | undefined>(undefined);
  const [embeddingError, setEmbeddingError] = useState<string | null>(null);
  const [embeddingFile, setEmbeddingFile] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    const [result, library] = await Promise.all([client.modelStatus({}), client.libraryInfo({})]);
    if (result.ok) setStatus(result.value);
    if (library.ok) {
      setEmbeddingInfo(library.value.embeddingModel);
      setEmbeddingFile(library.value.embeddingModelFile);
    }
  }, [client]);

  const setEmbedding = useCallback(
    async (path: string) => {
      setEmbeddingError(null);
      const result = await client.setEmbeddingModel({ path });
      if (!result.ok) {
        setEmbeddingError(result.error.message);
        return false;
      }
      setEmbeddingInfo(result.value);
      return true;
    },
    [client],
  );

  useEffect(() => {
    void refresh();
    const offs = [
      client.on('model:progress', ({ path, progress }) => {
        if (progress >= 1) {
          setLoading(null);
          void refresh();
        } else setLoading({ path, progress });
      }),
      // A question loads the configured model on first use; its answer means it is there.
      client.on('chat:done', () => void refresh()),
      // The first ingest binds a new library to the embedding model given at start.
      client.on('ingest:done', () => void refresh()),
      client.onConnection((_state, reopened) => {
        if (reopened) void refresh();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client, refresh]);

  const load = useCallback(
    async (path: string) => {
      setError(null);
      setLoading({ path, progress: 0 });
      const result = await client.loadChatModel({ path });
      setLoading(null);
      if (!result.ok) {
        setError(result.error.message);
        return false;
      }
      setStatus(result.value);
      return true;
    },
    [client],
  );

  return { status, loading, error, embedding, embeddingFile, embeddingError, load, setEmbedding, refresh };
}
