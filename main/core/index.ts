import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { z } from 'zod';
import {
  methods,
  type DocentApi,
  type DocentEvents,
  type Answer,
  type DocumentInfo,
  type IngestFileResult,
  type MethodName,
  type MethodOutput,
  type Result,
} from '../../preload/contract/index.js';
import { Answerer, NO_CHAT_MODEL } from './chat/answerer.js';
import { DEFAULT_COVERAGE, type CoverageSettings } from './chat/coverage.js';
import { conversationMarkdown } from './chat/markdown.js';
import { DocentError, toApiError, toResult } from './errors.js';
import { ChatModels } from './llm/chat-model.js';
import { ConversationStore } from './store/conversations.js';
import { EventHub } from './events.js';
import { expandPaths } from './ingest/files.js';
import { DEFAULT_INGEST_SETTINGS, Ingestor, type IngestSettings } from './ingest/pipeline.js';
import { PdfWorkerPool } from './ingest/worker-pool.js';
import { Library } from './library.js';
import { normalize } from './store/vectors.js';
import { DEFAULT_RETRIEVAL_SETTINGS, Retriever, type RetrievalSettings, type SearchOptions } from './retrieval/hybrid.js';

export interface CoreOptions {
  /** The library file. */
  dbPath: string;
  /** An embedding model GGUF; defaults to the one the library was built with. */
  embeddingModelPath?: string | undefined;
  /** PDF worker threads; defaults to the machine's parallelism. */
  workerThreads?: number;
  /** V8 heap limit per PDF worker, in MB. */
  workerHeapMb?: number;
  ingest?: Partial<IngestSettings>;
  retrieval?: Partial<RetrievalSettings>;
  /** A GGUF chat model, loaded on the first question (or by loadChatModel). */
  chatModelPath?: string | undefined;
  /** Threads for generation; defaults to DOCENT_THREADS, else every core. */
  generationThreads?: number;
  coverage?: Partial<CoverageSettings>;
}

export interface Core extends DocentApi, DocentEvents {
  /** Resolves when the ingest job finishes, with each file's outcome. */
  waitForIngest(jobId: string): Promise<IngestFileResult[]>;
  /** Resolves with the finished answer of an ask (stopped answers included). */
  waitForAnswer(answerId: string): Promise<Answer>;
  /** One document, for the doors that serve its file to the viewer; null if the library has none with this id. */
  getDocument(documentId: number): DocumentInfo | null;
  /** The library file. */
  readonly dbPath: string;
  close(): Promise<void>;
}

/**
 * Resolves once node-llama-cpp has handed an evaluation, requested just before, to its thread.
 * It dispatches on a later turn of the event loop (setImmediate), and until then the model
 * waits: without this, a question's embedding started only after the question was stored and
 * the keyword leg had run, instead of beside them.
 */
const afterDispatch = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

type Handlers = { [M in MethodName]: (input: z.output<(typeof methods)[M]['input']>) => Promise<MethodOutput<M>> };

/**
 * The product behind every door: Electron IPC, HTTP and the CLI call this same object.
 * Each method validates its input with the contract's schema and returns a Result.
 */
export function createCore(options: CoreOptions): Core {
  const library = new Library(options.dbPath, options.embeddingModelPath);
  const events = new EventHub();
  const retriever = new Retriever(library.db, { ...DEFAULT_RETRIEVAL_SETTINGS, ...options.retrieval });
  const settings = { ...DEFAULT_INGEST_SETTINGS, ...options.ingest };
  let pool: PdfWorkerPool | null = null;
  const jobs = new Map<string, { controller: AbortController; done: Promise<IngestFileResult[]> }>();
  const answers = new Map<string, { conversationId: number; controller: AbortController; done: Promise<Answer> }>();
  const conversations = new ConversationStore(library.db);
  const chatModels = new ChatModels(
    (path, progress) => events.emit('model:progress', { path, progress }),
    ...(options.generationThreads ? [options.generationThreads] : []),
  );
  let chatModelPath = options.chatModelPath;

  /**
   * Query embeddings, the most recent 32 kept: a question's embedding starts as soon as it is
   * asked, before the conversation is written, and a repeated query costs nothing.
   */
  const queryVectors = new Map<string, Promise<Float32Array>>();
  function queryVector(text: string): { vector: Promise<Float32Array>; started: boolean } {
    let vector = queryVectors.get(text);
    const started = !vector;
    if (vector) queryVectors.delete(text);
    else {
      const fresh = library.getEmbedder().then(async (embedder) => normalize(await embedder.embed(text)));
      // A failed embedding is not kept: the next search tries again.
      fresh.catch(() => queryVectors.get(text) === fresh && queryVectors.delete(text));
      vector = fresh;
    }
    queryVectors.set(text, vector);
    if (queryVectors.size > 32) queryVectors.delete(queryVectors.keys().next().value!);
    return { vector, started };
  }

  /**
   * The query's embedding, once llama.cpp has it (a cached one at once), so that what the caller
   * does next runs beside it. A failed one needs no handler here: queryVector's is attached.
   */
  async function dispatchedQueryVector(text: string): Promise<{ vector: Promise<Float32Array> }> {
    const query = queryVector(text);
    if (query.started) await afterDispatch();
    return { vector: query.vector };
  }

  /** One search, embedding the query unless only the keyword leg runs; that leg runs while the model embeds. */
  async function runSearch(request: SearchOptions) {
    const embedding = request.mode === 'keyword' ? null : (await dispatchedQueryVector(request.query)).vector;
    const keywordHits = retriever.keywordHits(request);
    return retriever.search(request, library.vectors(), embedding ? await embedding : null, keywordHits);
  }

  async function searchReady(query: string, k: number, documentIds?: readonly number[]) {
    return library.documents.hasReady() ? runSearch({ query, k, mode: 'hybrid', documentIds }) : null;
  }

  const answerer = new Answerer({
    conversations,
    chatModels,
    chatModelPath: () => chatModelPath,
    search: searchReady,
    coverage: { ...DEFAULT_COVERAGE, ...options.coverage },
  });

  /** What a question needs before anything else: a chat model, loaded, and searchable documents. */
  async function askable(request: { documentIds?: readonly number[] }) {
    if (!chatModels.current && !chatModelPath) {
      throw new DocentError('MODEL_NOT_FOUND', NO_CHAT_MODEL);
    }
    documentsMustBeReady(request.documentIds);
    // Models load before the answer's clock starts, and a bad model is an error here, at once.
    if (chatModelPath && chatModels.current?.info.path !== path.resolve(chatModelPath)) await chatModels.load(chatModelPath);
  }

  /** The answers being written in a conversation. */
  function answering(conversationId: number) {
    return [...answers].filter(([, answer]) => answer.conversationId === conversationId).map(([answerId, answer]) => ({ answerId, ...answer }));
  }

  /** Documents a search is limited to must be there and searchable: anything else would find nothing, silently. */
  function documentsMustBeReady(ids: readonly number[] = []) {
    for (const id of ids) {
      const document = library.documents.get(id);
      if (!document) throw new DocentError('NOT_FOUND', `There is no document with id ${id}.`);
      if (document.status === 'failed') {
        throw new DocentError('INVALID_INPUT', `Document ${id} (${document.title}) is not in the index: it failed (${document.error?.message ?? 'no reason recorded'}). Ingest its file again or remove it.`);
      }
      if (document.status === 'ready') continue;
      if (library.documents.beingIndexed(document.contentHash)) {
        throw new DocentError('INVALID_INPUT', `Document ${id} (${document.title}) is still being indexed. Search it once it is ready.`);
      }
      // Its ingest ended without finishing (the process was killed or crashed).
      throw new DocentError(
        'INVALID_INPUT',
        `Document ${id} (${document.title}) was not fully indexed: its ingest stopped before the end. Ingest ${document.path} again to resume it, then search it.`,
      );
    }
  }

  function conversationOrThrow(id: number) {
    const conversation = conversations.get(id);
    if (!conversation) throw new DocentError('NOT_FOUND', `There is no conversation with id ${id}.`);
    return conversation;
  }

  const handlers: Handlers = {
    async ingest({ paths }) {
      const embedder = await library.getEmbedder();
      pool ??= new PdfWorkerPool({
        ...(options.workerThreads ? { threads: options.workerThreads } : {}),
        ...(options.workerHeapMb ? { maxHeapMb: options.workerHeapMb } : {}),
      });
      const ingestor = new Ingestor(library.documents, pool, embedder, settings);
      const jobId = randomUUID();
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const done = (async () => {
        const files = await expandPaths(paths);
        const results = await ingestor.ingestFiles(files, {
          signal: controller.signal,
          onProgress: (progress) => events.emit('ingest:progress', { jobId, ...progress }),
          onFileDone: (file) => events.emit('ingest:file', { jobId, file }),
        });
        events.emit('ingest:done', { jobId, files: results });
        return results;
      })().finally(() => jobs.delete(jobId));
      jobs.set(jobId, { controller, done });
      return { jobId };
    },

    async cancelIngest({ jobId }) {
      const job = jobs.get(jobId);
      job?.controller.abort();
      return { cancelled: job !== undefined };
    },

    async listDocuments() {
      return { documents: library.documents.list() };
    },

    async removeDocument({ documentId }) {
      if (!library.documents.remove(documentId)) {
        throw new DocentError('NOT_FOUND', `There is no document with id ${documentId}.`);
      }
      return { removed: documentId };
    },

    async search(request) {
      documentsMustBeReady(request.documentIds);
      return { hits: await runSearch(request) };
    },

    async libraryInfo() {
      return { dbPath: library.dbPath, ...library.documents.counts(), embeddingModel: library.embeddingModel(), embeddingModelFile: library.embeddingModelFile() };
    },

    async checkAsk(request) {
      await askable(request);
      if (request.conversationId !== undefined) conversationOrThrow(request.conversationId);
      const context = await answerer.context(request);
      return { contextSize: context.contextSize };
    },

    async ask(request) {
      await askable(request);
      if (library.documents.hasReady()) {
        await library.getEmbedder();
        // A new conversation searches for the question itself: embed it while the question is
        // stored and the keyword leg runs.
        if (request.conversationId === undefined) await dispatchedQueryVector(request.question);
      }
      const context = await answerer.context(request);
      const answerId = randomUUID();
      const question = answerer.start(request, answerId);
      const { conversationId } = question;
      const controller = new AbortController();
      const done = answerer
        .answer(answerId, request, question, context, {
          signal: controller.signal,
          onText: (text) => events.emit('chat:token', { answerId, text }),
        })
        .then(
          (answer) => {
            events.emit('chat:done', { answerId, answer, error: null });
            return answer;
          },
          (error: unknown) => {
            events.emit('chat:done', { answerId, answer: null, error: toApiError(error) });
            throw error;
          },
        )
        .finally(() => answers.delete(answerId));
      done.catch(() => undefined);
      answers.set(answerId, { conversationId, controller, done });
      return { answerId, conversationId };
    },

    async stopAnswer({ answerId }) {
      const answer = answers.get(answerId);
      answer?.controller.abort();
      return { stopped: answer !== undefined };
    },

    async listConversations() {
      return { conversations: conversations.list() };
    },

    async getConversation({ conversationId }) {
      const here = answering(conversationId)[0]?.answerId ?? null;
      // One snapshot: an answer saved by another process between reading the messages and its
      // claim would otherwise read as a question its process never answered.
      return conversations.transaction(() => ({
        conversation: conversationOrThrow(conversationId),
        messages: conversations.messages(conversationId),
        answering: here,
        answeringElsewhere: here === null && conversations.answering(conversationId),
      }));
    },

    async renameConversation({ conversationId, title }) {
      conversationOrThrow(conversationId);
      conversations.rename(conversationId, title);
      return conversationOrThrow(conversationId);
    },

    async deleteConversation({ conversationId }) {
      conversationOrThrow(conversationId);
      // An answer being written in it is stopped first, and its end awaited: it saves what it has.
      for (let running = answering(conversationId); running.length > 0; running = answering(conversationId)) {
        for (const answer of running) answer.controller.abort();
        await Promise.allSettled(running.map((answer) => answer.done));
      }
      // One another process writes (the app and the CLI) cannot be stopped from here.
      conversations.writeTransaction(() => {
        if (conversations.answering(conversationId)) {
          throw new DocentError(
            'BUSY',
            `Conversation ${conversationId} is answering a question in another Docent process (the app or the command line). Stop that answer there, or wait for it, then delete the conversation.`,
          );
        }
        conversations.delete(conversationId);
      });
      return { deleted: conversationId };
    },

    async exportConversation({ conversationId }) {
      // One snapshot, as in getConversation.
      const [conversation, messages, answeringNow] = conversations.transaction(() => [conversationOrThrow(conversationId), conversations.messages(conversationId), conversations.answering(conversationId)] as const);
      return { markdown: conversationMarkdown(conversation, messages, { answering: answeringNow }) };
    },

    async loadChatModel({ path: file }) {
      // A question asked while this loads is for this model, not for the one it replaces.
      const previous = chatModelPath;
      chatModelPath = file;
      try {
        await chatModels.load(file);
      } catch (error) {
        if (chatModelPath === file) chatModelPath = previous;
        throw error;
      }
      return chatModels.status();
    },

    async modelStatus() {
      return chatModels.status();
    },

    async setEmbeddingModel({ path: file }) {
      queryVectors.clear();
      return library.useEmbeddingModel(file);
    },
  };

  const api = Object.fromEntries(
    (Object.keys(methods) as MethodName[]).map((name) => [
      name,
      (input: unknown): Promise<Result<unknown>> => {
        const parsed = methods[name].input.safeParse(input ?? {});
        if (!parsed.success) {
          return Promise.resolve({ ok: false, error: { code: 'INVALID_INPUT', message: z.prettifyError(parsed.error) } });
        }
        return toResult(() => (handlers[name] as (input: unknown) => Promise<unknown>)(parsed.data));
      },
    ]),
  ) as unknown as DocentApi;

  return {
    ...api,
    on: (event, listener) => events.on(event, listener),
    getDocument: (documentId) => library.documents.get(documentId),
    dbPath: library.dbPath,
    async waitForIngest(jobId) {
      const job = jobs.get(jobId);
      if (!job) throw new DocentError('NOT_FOUND', `There is no running ingest job ${jobId}.`);
      return job.done;
    },
    async waitForAnswer(answerId) {
      const answer = answers.get(answerId);
      if (!answer) throw new DocentError('NOT_FOUND', `There is no running answer ${answerId}.`);
      return answer.done;
    },
    async close() {
      for (const job of [...jobs.values(), ...answers.values()]) job.controller.abort();
      await Promise.allSettled([...jobs.values(), ...answers.values()].map((job) => job.done));
      // A question refused after its embedding began (an answer too long, say) leaves it running:
      // the embedding model must not be freed under llama.cpp.
      await Promise.allSettled(queryVectors.values());
      await chatModels.dispose();
      await pool?.close();
      await library.close();
    },
  };
}
