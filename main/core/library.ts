import path from 'node:path';
import type { EmbeddingModelInfo } from '../../preload/contract/index.js';
import { DocentError } from './errors.js';
import { loadEmbedder, type Embedder } from './llm/embedder.js';
import { sha256File, type ModelFileInfo } from './llm/model-file.js';
import { openDatabase, type Db } from './store/database.js';
import { DocumentStore } from './store/documents.js';
import { cachedModelHash, readEmbeddingModel, storeModelHash, writeEmbeddingModel } from './store/meta.js';
import { createVectorTable, vectorTableExists, VectorStore } from './store/vectors.js';

/**
 * One open library file and the embedding model bound to it. The index records the model it
 * was built with (file hash, dimensions); another model is refused (Docent cannot re-embed a
 * library yet: a new model needs a new library).
 */
export class Library {
  readonly db: Db;
  readonly documents: DocumentStore;
  private vectorStore: VectorStore | null = null;
  private embedder: Promise<Embedder> | null = null;

  constructor(
    readonly dbPath: string,
    private embeddingModelPath: string | undefined,
  ) {
    this.db = openDatabase(dbPath);
    this.documents = new DocumentStore(this.db, () => this.vectors());
  }

  embeddingModel(): EmbeddingModelInfo | null {
    return readEmbeddingModel(this.db);
  }

  /** The model file embeddings will come from: the one given at start, else the library's own. */
  embeddingModelFile(): string | null {
    return this.embeddingModelPath ?? this.embeddingModel()?.path ?? null;
  }

  vectors(): VectorStore | null {
    if (!this.vectorStore) {
      const model = this.embeddingModel();
      if (model && vectorTableExists(this.db)) this.vectorStore = new VectorStore(this.db, model.dimensions);
    }
    return this.vectorStore;
  }

  /** The embedding model for this library, loaded once; checks it against the one the index was built with. */
  getEmbedder(): Promise<Embedder> {
    this.embedder ??= this.loadCheckedEmbedder().catch((error: unknown) => {
      this.embedder = null;
      throw error;
    });
    return this.embedder;
  }

  /**
   * Switches to another embedding model file. It must be the model the index was built with
   * (EMBEDDING_MODEL_MISMATCH otherwise), unless the library has none yet; on any error the
   * model in use stays.
   */
  async useEmbeddingModel(file: string): Promise<EmbeddingModelInfo> {
    const previous = { path: this.embeddingModelPath, embedder: this.embedder };
    this.embeddingModelPath = path.resolve(file);
    this.embedder = null;
    try {
      const embedder = await this.getEmbedder();
      const old = await previous.embedder?.catch(() => null);
      if (old && old !== embedder) await old.dispose();
      return embedder.info;
    } catch (error) {
      this.embeddingModelPath = previous.path;
      this.embedder = previous.embedder;
      throw error;
    }
  }

  private async loadCheckedEmbedder(): Promise<Embedder> {
    const recorded = this.embeddingModel();
    const file = this.embeddingModelPath ?? recorded?.path;
    if (!file) {
      throw new DocentError(
        'EMBEDDING_MODEL_REQUIRED',
        'This library has no embedding model yet. Choose one with --embedding-model FILE.gguf (or DOCENT_EMBEDDING_MODEL); see the README for recommended models.',
      );
    }
    // A chat model is refused when a library is bound to its model, not after: a library indexed
    // with one before that check existed still opens.
    const embedder = await loadEmbedder(file, (info) => this.modelHash(info), { mustBeEmbeddingModel: !recorded });
    if (recorded && recorded.sha256 !== embedder.info.sha256) {
      await embedder.dispose();
      throw new DocentError(
        'EMBEDDING_MODEL_MISMATCH',
        `This library was indexed with the embedding model "${recorded.name}" (${recorded.dimensions} dimensions, ${recorded.path}); ` +
          `"${embedder.info.name}" (${embedder.info.dimensions} dimensions) is a different model. ` +
          'Use the original model, or keep the new model in a new library (--db FILE, or DOCENT_DB) and add the documents there.',
      );
    }
    if (!recorded) {
      this.db.transaction(() => {
        writeEmbeddingModel(this.db, embedder.info);
        createVectorTable(this.db, embedder.info.dimensions);
      })();
    } else if (recorded.path !== embedder.info.path) {
      // Same bytes, new place: remember where the model lives now.
      writeEmbeddingModel(this.db, { ...recorded, path: embedder.info.path });
    }
    return embedder;
  }

  private async modelHash(info: ModelFileInfo): Promise<string> {
    const cached = cachedModelHash(this.db, info.path, info.size, info.mtimeMs);
    if (cached) return cached;
    const sha = await sha256File(info.path);
    storeModelHash(this.db, info.path, info.size, info.mtimeMs, sha);
    return sha;
  }

  async close(): Promise<void> {
    const embedder = await this.embedder?.catch(() => null);
    await embedder?.dispose();
    this.db.close();
  }
}
