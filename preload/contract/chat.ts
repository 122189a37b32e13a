import { z } from 'zod';
import { DocumentId, SearchHit } from './library.js';
import { characterCount, QUESTION_MAX_CHARACTERS } from './text.js';

export const ConversationId = z.number().int().positive();

export const AdapterRef = z.object({
  path: z.string().min(1),
  /** 0 leaves the model as it is; 1 applies the adapter as trained. */
  scale: z.number().min(0).max(4).default(1),
});
export type AdapterRef = z.input<typeof AdapterRef>;

/** Adapters one answer can attach. */
export const MAX_ADAPTERS = 8;

/** Passages an answer's prompt holds unless the request asks for another number. */
export const DEFAULT_ASK_SOURCES = 6;

export const AskRequest = z.object({
  question: z
    .string()
    .trim()
    .min(1, 'The question is empty.')
    .refine((q) => characterCount(q) <= QUESTION_MAX_CHARACTERS, `The question is too long: at most ${QUESTION_MAX_CHARACTERS} characters.`),
  conversationId: ConversationId.optional(),
  documentIds: z.array(DocumentId).optional(),
  adapters: z.array(AdapterRef).max(MAX_ADAPTERS, `At most ${MAX_ADAPTERS} adapters can be attached to one answer.`).default([]),
  temperature: z.number().min(0).max(2).default(0),
  maxTokens: z.number().int().min(1).max(4096).default(512),
  /** Passages retrieved for the prompt (fewer if the token budget is short). */
  sources: z.number().int().min(1).max(20).default(DEFAULT_ASK_SOURCES),
  seed: z.number().int().nonnegative().optional(),
});
export type AskRequest = z.input<typeof AskRequest>;

/** A passage as the prompt held it: a search hit, numbered as the model saw it. */
export const Source = SearchHit.pick({
  chunkId: true,
  documentId: true,
  title: true,
  page: true,
  text: true,
  charStart: true,
  charEnd: true,
  boxes: true,
  score: true,
}).extend({ n: z.number().int().positive() });
export type Source = z.infer<typeof Source>;

export const Citation = z.object({
  n: z.number().int().positive(),
  chunkId: z.number().int().positive().nullable(),
  documentId: DocumentId,
  title: z.string(),
  page: z.number().int().positive(),
  /** The cited passage's span in the page text (the sentence of the chunk that best supports the claim). */
  charStart: z.number().int().nonnegative(),
  charEnd: z.number().int().nonnegative(),
  text: z.string(),
  /** The cited passage shares enough content words with the sentence that cites it. */
  verified: z.boolean(),
});
export type Citation = z.infer<typeof Citation>;

export const Timings = z.object({
  retrievalMs: z.number().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  timeToFirstTokenMs: z.number().nonnegative().nullable(),
  tokensPerSecond: z.number().nonnegative().nullable(),
  generatedTokens: z.number().int().nonnegative(),
  totalMs: z.number().nonnegative(),
});
export type Timings = z.infer<typeof Timings>;

export const Answer = z.object({
  answerId: z.string(),
  conversationId: ConversationId,
  messageId: z.number().int().positive(),
  answer: z.string(),
  citations: z.array(Citation),
  /** The passages the prompt held (or, when not covered, the closest ones found). */
  sources: z.array(Source),
  /** The library had something relevant; when false the answer says so and nothing was generated. */
  covered: z.boolean(),
  /** Covered, cites at least one source, and every citation is verified. */
  grounded: z.boolean(),
  /** Stopped by the user before the model finished; the text so far is kept. */
  stopped: z.boolean(),
  searchQuery: z.string(),
  timings: Timings,
});
export type Answer = z.infer<typeof Answer>;

export const ConversationSummary = z.object({
  id: ConversationId,
  title: z.string(),
  messages: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const Message = z.object({
  id: z.number().int().positive(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  citations: z.array(Citation),
  sources: z.array(Source),
  covered: z.boolean().nullable(),
  grounded: z.boolean().nullable(),
  stopped: z.boolean().nullable(),
  timings: Timings.nullable(),
  createdAt: z.string(),
});
export type Message = z.infer<typeof Message>;

export const ModelStatus = z.object({
  chatModel: z.object({ path: z.string(), name: z.string(), contextSize: z.number().int().nullable() }).nullable(),
  backend: z.enum(['cuda', 'vulkan', 'metal', 'cpu']),
  deviceNames: z.array(z.string()),
  vram: z.object({ total: z.number(), used: z.number() }).nullable(),
  /** The machine's RAM, and `used`: what Docent's process holds (resident), loaded models included. */
  ram: z.object({ total: z.number(), free: z.number(), used: z.number() }),
});
export type ModelStatus = z.infer<typeof ModelStatus>;

/** Each backend's name as people know it. */
export const BACKEND_NAMES: Record<ModelStatus['backend'], string> = { cuda: 'CUDA', vulkan: 'Vulkan', metal: 'Metal', cpu: 'CPU' };

export const ChatTokenEvent = z.object({ answerId: z.string(), text: z.string() });
export const ChatDoneEvent = z.object({
  answerId: z.string(),
  answer: Answer.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export const ModelProgressEvent = z.object({ path: z.string(), progress: z.number().min(0).max(1) });
