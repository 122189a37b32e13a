import { z } from 'zod';
import type { Result } from './errors.js';
import {
  DocumentId,
  DocumentSchema,
  EmbeddingModelInfo,
  IngestDoneEvent,
  IngestFileDoneEvent,
  IngestProgressEvent,
  IngestRequest,
  SearchRequest,
  SearchResponse,
} from './library.js';
import {
  AskRequest,
  ChatDoneEvent,
  ChatTokenEvent,
  ConversationId,
  ConversationSummary,
  Message,
  ModelProgressEvent,
  ModelStatus,
} from './chat.js';
import { characterCount, TITLE_MAX_CHARACTERS } from './text.js';

/**
 * Every method of the API: its input schema and its output schema. The Electron IPC door,
 * the HTTP door and the CLI validate with these same schemas and call the same core.
 */
export const methods = {
  ingest: { input: IngestRequest, output: z.object({ jobId: z.string() }) },
  cancelIngest: { input: z.object({ jobId: z.string() }), output: z.object({ cancelled: z.boolean() }) },
  listDocuments: { input: z.object({}), output: z.object({ documents: z.array(DocumentSchema) }) },
  removeDocument: { input: z.object({ documentId: DocumentId }), output: z.object({ removed: DocumentId }) },
  search: { input: SearchRequest, output: SearchResponse },
  libraryInfo: {
    input: z.object({}),
    output: z.object({
      dbPath: z.string(),
      documents: z.number().int().nonnegative(),
      chunks: z.number().int().nonnegative(),
      embeddingModel: EmbeddingModelInfo.nullable(),
      /** The model file the library embeds with: its own, or (a new library) the one given at start, bound at the first ingest. */
      embeddingModelFile: z.string().nullable(),
    }),
  },
  ask: { input: AskRequest, output: z.object({ answerId: z.string(), conversationId: ConversationId }) },
  /**
   * Checks, storing nothing, what `ask` would refuse before it stores a question: the chat model,
   * the conversation, the documents, the adapters and the answer length. A chat checks its options
   * with it before its first question.
   */
  checkAsk: { input: AskRequest.omit({ question: true }), output: z.object({ contextSize: z.number().int().positive() }) },
  stopAnswer: { input: z.object({ answerId: z.string() }), output: z.object({ stopped: z.boolean() }) },
  listConversations: { input: z.object({}), output: z.object({ conversations: z.array(ConversationSummary) }) },
  getConversation: {
    input: z.object({ conversationId: ConversationId }),
    output: z.object({
      conversation: ConversationSummary,
      messages: z.array(Message),
      /** The answer being written in it (its events still to come), if one is: a window reopened mid-answer follows it. */
      answering: z.string().nullable(),
      /**
       * An answer to its last question is being written by another process that shares the
       * library (the app and the CLI): it is here once that process saves it.
       */
      answeringElsewhere: z.boolean(),
    }),
  },
  renameConversation: {
    input: z.object({ conversationId: ConversationId, title: z.string().trim().min(1).refine((t) => characterCount(t) <= TITLE_MAX_CHARACTERS, `A title has at most ${TITLE_MAX_CHARACTERS} characters.`) }),
    output: ConversationSummary,
  },
  deleteConversation: { input: z.object({ conversationId: ConversationId }), output: z.object({ deleted: ConversationId }) },
  exportConversation: { input: z.object({ conversationId: ConversationId }), output: z.object({ markdown: z.string() }) },
  loadChatModel: { input: z.object({ path: z.string().min(1) }), output: ModelStatus },
  /** Chooses the embedding model: binds a new library to it, or must be the model the index was built with. */
  setEmbeddingModel: { input: z.object({ path: z.string().min(1) }), output: EmbeddingModelInfo },
  modelStatus: { input: z.object({}), output: ModelStatus },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

/** The API as every door sees it. */
export type DocentApi = {
  [M in MethodName]: (input: MethodInput<M>) => Promise<Result<MethodOutput<M>>>;
};

/** Events for long work: each carries only what changed. */
export const events = {
  'ingest:progress': IngestProgressEvent,
  'ingest:file': IngestFileDoneEvent,
  'ingest:done': IngestDoneEvent,
  'chat:token': ChatTokenEvent,
  'chat:done': ChatDoneEvent,
  'model:progress': ModelProgressEvent,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

export interface DocentEvents {
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
}
