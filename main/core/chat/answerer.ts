import { LlamaChatSession, type ChatHistoryItem, type ChatWrapper, type LlamaContext } from 'node-llama-cpp';
import type { z } from 'zod';
import type { AskRequest} from '../../../preload/contract/index.js';
import { characterCount, firstCharacters, type Answer, type Citation, type SearchHit, type Source, type Timings } from '../../../preload/contract/index.js';
import { DocentError } from '../errors.js';
import { withGeneration, type ChatModels } from '../llm/chat-model.js';
import { CLAIM_STALE_MS, ignoreFailure } from '../store/claims.js';
import type { ConversationStore } from '../store/conversations.js';
import { isCovered, type CoverageSettings } from './coverage.js';
import { findMarkers, settledStream, finishedText } from './grammar.js';
import { buildPrompt, type Turn } from './prompt.js';
import { bestSupportingSpan, sentenceAt } from './verify.js';

export type ParsedAsk = z.output<typeof AskRequest>;

export interface AnswerDeps {
  conversations: ConversationStore;
  chatModels: ChatModels;
  /** The chat model to use when none is loaded yet. */
  chatModelPath: () => string | undefined;
  /** Hybrid search over ready documents; null when the library holds none. */
  search: (query: string, k: number, documentIds?: readonly number[]) => Promise<SearchHit[] | null>;
  coverage: CoverageSettings;
}

export interface AnswerCallbacks {
  signal: AbortSignal;
  onText: (text: string) => void;
}

const NOT_COVERED =
  'The documents in your library do not cover this question, so I will not answer it from memory. The closest passages are listed below.';
const NOTHING_CLOSE = 'Nothing in your library is close to this question, so I will not answer it from memory.';
const CLOSEST_SHOWN = 3;

export const NO_CHAT_MODEL =
  'No chat model is configured. Choose a GGUF chat model file: in the app, in the model panel; on the command line, with --model FILE.gguf or DOCENT_MODEL.';

/**
 * One question, answered from the library: rewrite a follow-up into a standalone query,
 * retrieve, decide whether the library covers it, generate under a grammar that only admits
 * citations of the sources in the prompt, then resolve and verify every citation.
 */
export class Answerer {
  constructor(private readonly deps: AnswerDeps) {}

  /**
   * Creates the conversation if needed, takes it for the answer `answerId` and records the
   * question; the answer follows in `answer`, which gives the conversation back. A conversation
   * in which another answer is still being written, by this process or another (the app and the
   * CLI), is refused with BUSY: two answers at once would interleave in it.
   */
  start(request: ParsedAsk, answerId: string): Question {
    const { conversations } = this.deps;
    // One commit, not three: it is on the way to the first token. It holds the write lock from
    // its start, so that no other process can take the conversation between the check and the claim.
    return conversations.writeTransaction(() => {
      let conversationId = request.conversationId;
      let history: Turn[] = [];
      let updatedAt: string | null = null;
      const newConversation = conversationId === undefined;
      if (conversationId === undefined) {
        // A conversation created here has no turns yet: nothing to read.
        conversationId = conversations.create(characterCount(request.question) > 80 ? `${firstCharacters(request.question, 79)}…` : request.question);
      } else {
        const existing = conversations.get(conversationId);
        if (!existing) throw new DocentError('NOT_FOUND', `There is no conversation with id ${conversationId}.`);
        updatedAt = existing.updatedAt;
        history = conversations.turns(conversationId);
      }
      if (!conversations.claimAnswer(conversationId, answerId)) {
        throw new DocentError(
          'BUSY',
          `Conversation ${conversationId} is still answering a question, here or in another Docent process (the app or the command line). Wait for that answer or stop it, then ask again.`,
        );
      }
      const messageId = conversations.addUserMessage(conversationId, request.question);
      return { conversationId, messageId, newConversation, updatedAt, history };
    });
  }

  /**
   * The context the answer will be generated in (every adapter checked, scale 0 included), once
   * the answer's length is known to leave room for the prompt: called before `start`, so that a
   * request that cannot be answered stores nothing.
   */
  async context(request: Pick<ParsedAsk, 'adapters' | 'maxTokens'>): Promise<LlamaContext> {
    const context = await this.deps.chatModels.context(request.adapters);
    if (request.maxTokens > context.contextSize - MIN_PROMPT_TOKENS) {
      throw new DocentError('INVALID_INPUT', tooLongAnswer(request.maxTokens, context.contextSize));
    }
    return context;
  }

  /** The answer to a question `start` recorded; if it fails, the question is taken back. */
  async answer(answerId: string, request: ParsedAsk, question: Question, context: LlamaContext, callbacks: AnswerCallbacks): Promise<Answer> {
    const { conversations } = this.deps;
    const { conversationId } = question;
    // An answer can take longer than a claim lasts unrenewed (a long one, from a large model on a CPU).
    const renewing = setInterval(() => ignoreFailure(() => conversations.renewAnswer(conversationId, answerId)), CLAIM_STALE_MS / 4);
    renewing.unref();
    try {
      return await this.answerRecorded(answerId, request, conversationId, question.history, context, callbacks);
    } catch (error) {
      conversations.withdrawQuestion(question);
      throw error;
    } finally {
      clearInterval(renewing);
      // If this fails (the library became unwritable), the claim is taken over once this process ends.
      ignoreFailure(() => conversations.releaseAnswer(conversationId, answerId));
    }
  }

  private async answerRecorded(
    answerId: string,
    request: ParsedAsk,
    conversationId: number,
    history: Turn[],
    context: LlamaContext,
    callbacks: AnswerCallbacks,
  ): Promise<Answer> {
    const started = performance.now();
    const loaded = await this.model();
    const searchQuery = history.length > 0 ? await this.standaloneQuery(request.question, history, loaded.chatWrapper, callbacks.signal) : request.question;
    // Stopped while a follow-up was being rewritten: nothing is retrieved or generated.
    if (callbacks.signal.aborted) return this.stoppedBeforeGenerating(answerId, conversationId, searchQuery, { sources: [], retrievalMs: 0, covered: true }, started);
    const retrieving = this.retrieve(request, searchQuery, started);
    // While the question is embedded: the grammar for as many sources as asked for (what the
    // prompt holds unless the context is too small for all of them).
    const { chatModels } = this.deps;
    chatModels.grammar(request.sources).catch(() => undefined);
    const found = await retrieving;
    if (!found.covered) return this.notCovered(answerId, conversationId, searchQuery, found, started, callbacks);
    return withGeneration(context, async () => {
      // Freed while this answer waited for it: another model was loaded, or other adapter sets took its place.
      if (context.disposed) throw new DocentError('CANCELLED', 'The model or adapters this answer was to use were unloaded before it began. Ask again.');
      const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: loaded.chatWrapper, autoDisposeSequence: true });
      try {
        const prompt = buildPrompt(request.question, found.sources, history, {
          contextTokens: context.contextSize,
          answerTokens: request.maxTokens,
          countTokens: (text) => loaded.model.tokenize(text).length,
        });
        if (prompt.sources.length === 0) {
          const questionTokens = loaded.model.tokenize(request.question).length;
          throw new DocentError(
            'INVALID_INPUT',
            `The question (${questionTokens} tokens) and an answer of up to ${request.maxTokens} tokens leave no room for a source in this model's ` +
              `${context.contextSize}-token context. Shorten the question, or ask for a shorter answer (maxTokens; --max-tokens on the command line).`,
          );
        }
        const grammar = await chatModels.grammar(prompt.sources.length);
        let firstToken: number | null = null;
        let generatedTokens = 0;
        const stream = settledStream(callbacks.onText);
        session.setChatHistory(chatHistory(prompt.system, prompt.history));
        let text = await this.generate(session, request.question, {
          grammar,
          maxTokens: request.maxTokens,
          temperature: request.temperature,
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          signal: callbacks.signal,
          stopOnAbortSignal: true,
          onToken: (tokens) => {
            generatedTokens += tokens.length;
          },
          onTextChunk: (chunk) => {
            firstToken ??= performance.now();
            stream(chunk);
          },
        }, callbacks.signal);
        const finished = performance.now();
        // A generation cut off by maxTokens or Stop may end inside a marker ("... [2"); that was not streamed either.
        text = finishedText(text);
        const citations = resolveCitations(text, prompt.sources);
        const timings: Timings = {
          retrievalMs: found.retrievalMs,
          promptTokens: prompt.promptTokens,
          timeToFirstTokenMs: firstToken === null ? null : firstToken - started,
          tokensPerSecond: firstToken !== null && generatedTokens > 1 ? (generatedTokens - 1) / ((finished - firstToken) / 1000) : null,
          generatedTokens,
          totalMs: finished - started,
        };
        return this.save(answerId, conversationId, {
          content: text,
          searchQuery,
          sources: prompt.sources,
          citations,
          covered: true,
          grounded: citations.length > 0 && citations.every((c) => c.verified),
          stopped: callbacks.signal.aborted,
          timings,
        });
      } finally {
        session.dispose();
      }
    }, callbacks.signal).catch((error: unknown) => {
      // Stopped while another answer was being written in this context: nothing was generated.
      if (!callbacks.signal.aborted || error !== callbacks.signal.reason) throw error;
      return this.stoppedBeforeGenerating(answerId, conversationId, searchQuery, found, started);
    });
  }

  private async retrieve(request: ParsedAsk, searchQuery: string, started: number): Promise<Retrieved> {
    const hits = (await this.deps.search(searchQuery, request.sources, request.documentIds)) ?? [];
    return {
      sources: hits.map(toSource),
      retrievalMs: performance.now() - started,
      // The search query, not the question: a follow-up ("and why?") has its words only after the rewrite.
      covered: hits.length > 0 && isCovered(searchQuery, hits, this.deps.coverage),
    };
  }

  /** Says so instead of answering, and shows the closest passages. */
  private notCovered(answerId: string, conversationId: number, searchQuery: string, found: Retrieved, started: number, callbacks: AnswerCallbacks): Answer {
    const content = found.sources.length > 0 ? NOT_COVERED : NOTHING_CLOSE;
    callbacks.onText(content);
    return this.save(answerId, conversationId, {
      content,
      searchQuery,
      sources: found.sources.slice(0, CLOSEST_SHOWN),
      citations: [],
      covered: false,
      grounded: false,
      stopped: false,
      timings: nothingGenerated(found, started),
    });
  }

  /** An answer stopped before the model wrote anything: saved empty, with what was found. */
  private stoppedBeforeGenerating(answerId: string, conversationId: number, searchQuery: string, found: Retrieved, started: number): Answer {
    return this.save(answerId, conversationId, { content: '', searchQuery, sources: found.sources, citations: [], covered: true, grounded: false, stopped: true, timings: nothingGenerated(found, started) });
  }

  /** Generation that a Stop, even one before the first token, ends with the text so far. */
  private async generate(session: LlamaChatSession, question: string, options: Parameters<LlamaChatSession['prompt']>[1], signal: AbortSignal): Promise<string> {
    try {
      return await session.prompt(question, options);
    } catch (error) {
      if (signal.aborted) return '';
      throw error;
    }
  }

  private save(answerId: string, conversationId: number, message: Parameters<ConversationStore['addAssistantMessage']>[1]): Answer {
    const messageId = this.deps.conversations.addAssistantMessage(conversationId, message, answerId);
    return { answerId, conversationId, messageId, answer: message.content, citations: message.citations, sources: message.sources, covered: message.covered, grounded: message.grounded, stopped: message.stopped, searchQuery: message.searchQuery, timings: message.timings };
  }

  private async model() {
    const current = this.deps.chatModels.current;
    if (current) return current;
    const file = this.deps.chatModelPath();
    if (!file) throw new DocentError('MODEL_NOT_FOUND', NO_CHAT_MODEL);
    return this.deps.chatModels.load(file);
  }

  /**
   * "And in 2019?" becomes a question that stands alone; the original words are kept for recall.
   * A Stop ends the rewrite too (with a real model on a CPU it takes seconds): the question is
   * then searched as asked, and the caller sees the signal.
   */
  private async standaloneQuery(question: string, history: Turn[], chatWrapper: ChatWrapper, signal: AbortSignal): Promise<string> {
    const context = await this.deps.chatModels.context([]);
    const rewritten = await withGeneration(context, async () => {
      const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper, autoDisposeSequence: true });
      try {
        const recent = history.slice(-4).map((t) => `${t.role === 'user' ? 'User' : 'Assistant'}: ${firstCharacters(t.text, 500)}`).join('\n');
        return await session.prompt(
          `Conversation:\n${recent}\n\nFollow-up question: ${question}\n\nRewrite the follow-up question as one standalone search query. Reply with the query only.`,
          { maxTokens: 48, temperature: 0, signal, stopOnAbortSignal: true },
        );
      } finally {
        session.dispose();
      }
    }, signal).catch((error: unknown) => {
      if (signal.aborted) return '';
      throw error;
    });
    if (signal.aborted) return question;
    const query = firstCharacters(rewritten.replace(/\s+/g, ' ').trim(), 300);
    return query && query.toLowerCase() !== question.toLowerCase() ? `${query} ${question}` : question;
  }
}

export interface Question {
  conversationId: number;
  /** The question's message. */
  messageId: number;
  /** The conversation was created for this question. */
  newConversation: boolean;
  /** When the conversation was last changed before this question (null if created for it). */
  updatedAt: string | null;
  /** The conversation before this question. */
  history: Turn[];
}

/** Tokens the prompt needs besides the answer: instructions, question and at least one source. */
const MIN_PROMPT_TOKENS = 384;

function tooLongAnswer(maxTokens: number, contextSize: number): string {
  return (
    `An answer of up to ${maxTokens} tokens leaves too little of this model's ${contextSize}-token context for the sources. ` +
    `Ask for a shorter answer (maxTokens; --max-tokens on the command line): at most ${Math.max(1, contextSize - MIN_PROMPT_TOKENS)}.`
  );
}

interface Retrieved {
  /** Ranked hits as numbered sources. */
  sources: Source[];
  retrievalMs: number;
  covered: boolean;
}

/** The timings of an answer the model wrote nothing for. */
function nothingGenerated(found: Retrieved, started: number): Timings {
  return { retrievalMs: found.retrievalMs, promptTokens: 0, timeToFirstTokenMs: null, tokensPerSecond: null, generatedTokens: 0, totalMs: performance.now() - started };
}

function toSource(hit: SearchHit, i: number): Source {
  return {
    n: i + 1,
    chunkId: hit.chunkId,
    documentId: hit.documentId,
    title: hit.title,
    page: hit.page,
    text: hit.text,
    charStart: hit.charStart,
    charEnd: hit.charEnd,
    boxes: hit.boxes,
    score: hit.score,
  };
}

function chatHistory(system: string, turns: readonly Turn[]): ChatHistoryItem[] {
  return [
    { type: 'system', text: system },
    ...turns.map((t): ChatHistoryItem => (t.role === 'user' ? { type: 'user', text: t.text } : { type: 'model', response: [t.text] })),
  ];
}

/** Every marker becomes a citation of the source it names, checked against its sentence. */
export function resolveCitations(answer: string, sources: readonly Source[]): Citation[] {
  const markers = findMarkers(answer).map((marker) => ({ ...marker, sentence: sentenceAt(answer, marker.index) }));
  return markers.flatMap(({ n, sentence }) => {
    const source = sources[n - 1];
    if (!source) return []; // unreachable under the grammar; kept so no marker can ever point nowhere
    const claim = sentence.replace(/\[\d+\]/g, ' ');
    const citedTogether = markers.filter((m) => m.sentence === sentence && sources[m.n - 1]).map((m) => sources[m.n - 1]!.text);
    const span = bestSupportingSpan(claim, source.text, citedTogether);
    return [
      {
        n,
        chunkId: source.chunkId,
        documentId: source.documentId,
        title: source.title,
        page: source.page,
        charStart: source.charStart + span.start,
        charEnd: source.charStart + span.end,
        text: source.text.slice(span.start, span.end),
        verified: span.verified,
      },
    ];
  });
}
