import fs from 'node:fs';
import path from 'node:path';
import { LlamaChatSession, TokenBias } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AskRequest, DEFAULT_ASK_SOURCES, type Answer } from '../../preload/contract/index.js';
import { Answerer, type AnswerDeps } from '../../main/core/chat/answerer.js';
import { DEFAULT_COVERAGE } from '../../main/core/chat/coverage.js';
import { openDatabase } from '../../main/core/store/database.js';
import { ConversationStore } from '../../main/core/store/conversations.js';
import { citationGrammar, findMarkers } from '../../main/core/chat/grammar.js';
import type { Core } from '../../main/core/index.js';
import { ChatModels, MAX_ADAPTER_CONTEXTS, withGeneration } from '../../main/core/llm/chat-model.js';
import { getRuntime } from '../../main/core/llm/runtime.js';
import { CORPUS, KNOWN_FACTS_PDF } from '../fixtures/paths.js';
import { buildFixtureVocab, buildLoraAdapter, DEFAULT_CHAT_DIMS, writeLoraAdapter } from '../fixtures/gguf/models.js';
import { ingest, models, openCore, tempDir, value } from './helpers.js';

const CRAZY_ONES_PDF = path.join(CORPUS, '021-pdfa/crazyones-pdfa.pdf');

async function ask(core: Core, question: string, options: Partial<Parameters<Core['ask']>[0]> = {}): Promise<{ answer: Answer; streamed: string }> {
  const { answerId } = value(await core.ask({ question, maxTokens: 48, ...options }));
  let streamed = '';
  const stop = core.on('chat:token', (e) => {
    if (e.answerId === answerId) streamed += e.text;
  });
  try {
    return { answer: await core.waitForAnswer(answerId), streamed };
  } finally {
    stop();
  }
}

describe('grounded answers with the fixture chat model', () => {
  let core: Core;
  beforeAll(async () => {
    core = openCore({ chatModelPath: models.chatModel, generationThreads: 1 });
    await ingest(core, [KNOWN_FACTS_PDF]);
  });
  afterAll(() => core.close());

  it('streams an answer from the library, deterministic at temperature 0, with timings', async () => {
    const first = await ask(core, 'When was the Zanzibar accord signed?');
    const second = await ask(core, 'When was the Zanzibar accord signed?');
    expect(first.answer.covered).toBe(true);
    expect(first.answer.answer.length).toBeGreaterThan(0);
    expect(first.streamed).toBe(first.answer.answer);
    expect(second.answer.answer).toBe(first.answer.answer);
    expect(first.answer.conversationId).not.toBe(second.answer.conversationId);
    expect(first.answer.sources.length).toBeGreaterThan(0);
    expect(first.answer.sources[0]).toMatchObject({ n: 1, title: 'Known Facts Report', page: 1 });
    const t = first.answer.timings;
    expect(t.promptTokens).toBeGreaterThan(100);
    expect(t.retrievalMs).toBeGreaterThan(0);
    expect(t.timeToFirstTokenMs).toBeGreaterThanOrEqual(t.retrievalMs);
    expect(t.tokensPerSecond).toBeGreaterThan(0);
    expect(t.generatedTokens).toBeGreaterThan(0);
  });

  it('never cites a source outside the prompt, over many sampled answers', async () => {
    let markers = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const { answer } = await ask(core, 'How many pipes does the cathedral organ contain?', { temperature: 1.2, seed, maxTokens: 40 });
      for (const marker of findMarkers(answer.answer)) {
        markers++;
        expect(marker.n).toBeGreaterThanOrEqual(1);
        expect(marker.n).toBeLessThanOrEqual(answer.sources.length);
      }
      expect(answer.citations.every((c) => c.n <= answer.sources.length && answer.sources[c.n - 1]!.chunkId === c.chunkId)).toBe(true);
      expect(answer.grounded).toBe(answer.citations.length > 0 && answer.citations.every((c) => c.verified));
    }
    expect(markers).toBeGreaterThan(0);
  });

  it('says the documents do not cover an unrelated question, shows the closest passages, generates nothing', async () => {
    const { answer, streamed } = await ask(core, 'What is a good recipe for banana bread with walnuts?');
    expect(answer).toMatchObject({ covered: false, grounded: false, citations: [] });
    expect(answer.answer).toMatch(/do not cover/);
    expect(streamed).toBe(answer.answer);
    expect(answer.sources.length).toBeGreaterThan(0);
    expect(answer.timings.generatedTokens).toBe(0);
  });

  it('rewrites a follow-up into a standalone query and keeps the conversation', async () => {
    const first = await ask(core, 'Where do the quokka populations live?');
    const follow = await ask(core, 'And what was eradicated there?', { conversationId: first.answer.conversationId });
    expect(follow.answer.searchQuery).not.toBe('And what was eradicated there?');
    expect(follow.answer.searchQuery).toContain('And what was eradicated there?');
    const { messages } = value(await core.getConversation({ conversationId: first.answer.conversationId }));
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[3]!.content).toBe(follow.answer.answer);
  });

  it('stops a follow-up while it is being rewritten: nothing retrieved or generated', async () => {
    const first = await ask(core, 'Where do the quokka populations live?');
    const question = 'And what was eradicated there?';
    const { answerId } = value(await core.ask({ question, conversationId: first.answer.conversationId }));
    value(await core.stopAnswer({ answerId }));
    const answer = await core.waitForAnswer(answerId);
    expect(answer).toMatchObject({ stopped: true, answer: '', searchQuery: question, sources: [], citations: [] });
    expect(answer.timings.generatedTokens).toBe(0);
    const { messages } = value(await core.getConversation({ conversationId: first.answer.conversationId }));
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: '', stopped: true });
  });

  it('answers and searches with a question longer than the embedding model takes', async () => {
    const question = `When was the Zanzibar accord signed?${' zq'.repeat(1300)}`;
    expect(question.length).toBeLessThanOrEqual(4000);
    const { answer } = await ask(core, question);
    expect(answer.searchQuery).toBe(question);
    expect(answer.sources.length).toBeGreaterThan(0);
    const { hits } = value(await core.search({ query: question, k: 3 }));
    expect(hits.length).toBeGreaterThan(0);
  });

  it('counts a question in characters, not UTF-16 units, and cuts its title between characters', async () => {
    const question = `When was the Zanzibar accord signed?${'🎼'.repeat(50)}`;
    const { answer } = await ask(core, question);
    const { conversation } = value(await core.getConversation({ conversationId: answer.conversationId }));
    // 79 characters and an ellipsis; cut at 79 UTF-16 units it ended in half an emoji, stored as U+FFFD.
    expect(conversation.title).toBe(`When was the Zanzibar accord signed?${'🎼'.repeat(43)}…`);
    const renamed = await core.renameConversation({ conversationId: answer.conversationId, title: '🎼'.repeat(200) });
    expect(renamed.ok && renamed.value.title).toBe('🎼'.repeat(200));
    // 2,500 characters (5,000 UTF-16 units) are within the 4,000-character limit: asked and answered
    // (the library does not cover it), the question kept whole.
    const long = value(await core.ask({ question: '🎼'.repeat(2500) }));
    expect(await core.waitForAnswer(long.answerId)).toMatchObject({ searchQuery: '🎼'.repeat(2500) });
    const refused = await core.ask({ question: '🎼'.repeat(4001) });
    expect(!refused.ok && refused.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/at most 4000 characters/) });
  });

  it('stops a running answer and keeps what was generated', async () => {
    const { answerId, conversationId } = value(await core.ask({ question: 'Tell me everything about the cathedral organ pipes.', maxTokens: 2000 }));
    const stop = core.on('chat:token', (e) => {
      if (e.answerId === answerId) void core.stopAnswer({ answerId });
    });
    const answer = await core.waitForAnswer(answerId);
    stop();
    expect(answer.stopped).toBe(true);
    expect(answer.answer.length).toBeGreaterThan(0);
    expect(answer.timings.generatedTokens).toBeLessThan(2000);
    const { messages } = value(await core.getConversation({ conversationId }));
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: answer.answer, stopped: true });
  });

  it('stops an answer even before its first token, as a stopped answer rather than an error', async () => {
    const { answerId } = value(await core.ask({ question: 'Tell me about the cathedral organ pipes.', maxTokens: 2000 }));
    value(await core.stopAnswer({ answerId }));
    const answer = await core.waitForAnswer(answerId);
    expect(answer.stopped).toBe(true);
    expect(answer.timings.generatedTokens).toBeLessThan(2000);
  });

  it('refuses a second question in a conversation still answering one, storing nothing', async () => {
    const { answerId, conversationId } = value(await core.ask({ question: 'Tell me everything about the cathedral organ pipes.', maxTokens: 2000 }));
    // A window that opens the conversation now can follow the answer being written.
    expect(value(await core.getConversation({ conversationId }))).toMatchObject({ answering: answerId, answeringElsewhere: false });
    const second = await core.ask({ question: 'And the accord?', conversationId });
    expect(second).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/still answering a question/) } });
    value(await core.stopAnswer({ answerId }));
    await core.waitForAnswer(answerId);
    expect(value(await core.getConversation({ conversationId }))).toMatchObject({ answering: null, messages: [{ role: 'user' }, { role: 'assistant' }] });
    // Once that answer has ended, the conversation takes questions again.
    const { answer } = await ask(core, 'When was the Zanzibar accord signed?', { conversationId });
    expect(answer.conversationId).toBe(conversationId);
  });

  it('refuses a question in a conversation another process is answering, and takes over its claim once that process is gone', async () => {
    const { answer } = await ask(core, 'When was the Zanzibar accord signed?');
    const { conversationId } = answer;
    const before = value(await core.getConversation({ conversationId })).messages;
    // Another process (the CLI, say) writing an answer there: its claim, as it stores it, with
    // the parent of this process standing in for it (it runs).
    const other = openDatabase(value(await core.libraryInfo({})).dbPath);
    try {
      other.prepare(`INSERT INTO answer_claims(conversation_id, owner, pid, renewed_at_ms) VALUES (?, 'the CLI answer', ?, ?)`).run(conversationId, process.ppid, Date.now());
      const busy = { ok: false, error: { code: 'BUSY', message: expect.stringMatching(/another Docent process/) } };
      expect(await core.ask({ question: 'And the accord?', conversationId })).toMatchObject(busy);
      expect(await core.deleteConversation({ conversationId })).toMatchObject(busy);
      expect(value(await core.getConversation({ conversationId }))).toMatchObject({ messages: before, answering: null, answeringElsewhere: true });
      // Its question is stored with its claim, and an export made meanwhile says its answer is still being written.
      other.prepare(`INSERT INTO messages(conversation_id, role, content, created_at) VALUES (?, 'user', 'Asked from the CLI', datetime('now'))`).run(conversationId);
      expect(value(await core.exportConversation({ conversationId })).markdown).toMatch(/Asked from the CLI\n\n_Its answer was still being written when this was exported\._\n$/);
      // That process ended without giving the conversation back (killed): the next question takes it over.
      other.prepare(`UPDATE answer_claims SET pid = 4194305 WHERE conversation_id = ?`).run(conversationId);
      expect(value(await core.getConversation({ conversationId })).answeringElsewhere).toBe(false);
      expect(value(await core.exportConversation({ conversationId })).markdown).toContain('Asked from the CLI\n\n_Not answered: Docent ended before it saved this answer');
      const next = await ask(core, 'When was the Zanzibar accord signed?', { conversationId });
      expect(next.answer.conversationId).toBe(conversationId);
      // Once answered, the conversation is given back: nothing is left claimed.
      expect(other.prepare(`SELECT count(*) AS n FROM answer_claims`).get()).toEqual({ n: 0 });
    } finally {
      other.close();
    }
  });

  it('deletes a conversation that is answering: the answer is stopped first', async () => {
    const { answerId, conversationId } = value(await core.ask({ question: 'Tell me everything about the cathedral organ pipes.', maxTokens: 2000 }));
    const answered = core.waitForAnswer(answerId);
    const deleted = new Promise<unknown>((resolve) => {
      const off = core.on('chat:token', (e) => {
        if (e.answerId !== answerId) return;
        off();
        resolve(core.deleteConversation({ conversationId }));
      });
    });
    expect(await deleted).toEqual({ ok: true, value: { deleted: conversationId } });
    expect((await answered).stopped).toBe(true);
    expect(await core.getConversation({ conversationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('deletes a conversation whose question waits for another answer at once, not when that answer ends', async () => {
    const long = value(await core.ask({ question: 'Tell me everything about the cathedral organ pipes.', maxTokens: 2000 }));
    let longEnded = false;
    const longDone = core.waitForAnswer(long.answerId).finally(() => (longEnded = true));
    await new Promise<void>((resolve) => {
      const off = core.on('chat:token', (e) => e.answerId === long.answerId && (off(), resolve()));
    });
    const waiting = value(await core.ask({ question: 'When was the Zanzibar accord signed?' }));
    const waitingDone = core.waitForAnswer(waiting.answerId);
    expect(value(await core.deleteConversation({ conversationId: waiting.conversationId }))).toEqual({ deleted: waiting.conversationId });
    expect(longEnded).toBe(false);
    expect(await waitingDone).toMatchObject({ stopped: true, answer: '' });
    value(await core.stopAnswer({ answerId: long.answerId }));
    expect((await longDone).stopped).toBe(true);
  });

  it('lists, renames, exports and deletes conversations', async () => {
    const { answer } = await ask(core, 'How many pipes does the cathedral organ contain?');
    const id = answer.conversationId;
    expect(value(await core.listConversations({})).conversations.some((c) => c.id === id)).toBe(true);
    expect(value(await core.renameConversation({ conversationId: id, title: 'Organ facts' }))).toMatchObject({ id, title: 'Organ facts', messages: 2 });
    const { markdown } = value(await core.exportConversation({ conversationId: id }));
    expect(markdown).toContain('# Organ facts');
    expect(markdown).toContain('**You:** How many pipes does the cathedral organ contain?');
    expect(markdown).toContain(`**Docent:** ${answer.answer}`);
    expect(value(await core.deleteConversation({ conversationId: id }))).toEqual({ deleted: id });
    expect(await core.getConversation({ conversationId: id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('lets a LoRA adapter change the answer, scale 0 not, and refuses adapters for another model', async () => {
    const question = 'When was the Zanzibar accord signed?';
    const base = (await ask(core, question)).answer;
    const adapted = (await ask(core, question, { adapters: [{ path: models.loraMatching, scale: 1 }] })).answer;
    const zero = (await ask(core, question, { adapters: [{ path: models.loraMatching, scale: 0 }] })).answer;
    expect(adapted.answer).not.toBe(base.answer);
    expect(zero.answer).toBe(base.answer);
    // The adapter supplies the voice, never the facts: same sources either way.
    expect(adapted.sources.map((s) => s.chunkId)).toEqual(base.sources.map((s) => s.chunkId));

    // A wrong adapter is refused before the question is stored, at any scale.
    const before = value(await core.listConversations({})).conversations.length;
    for (const [adapter, scale, code, reason] of [
      [models.loraWrongDimensions, 1, 'ADAPTER_MISMATCH', /does not fit .*blk\.0\.attn_q\.weight is 64 × 64, the adapter's matrices are 96 × 4 and 4 × 96/],
      [models.loraWrongDimensions, 0, 'ADAPTER_MISMATCH', /does not fit/],
      [models.loraWrongArchitecture, 1, 'ADAPTER_MISMATCH', /qwen2 architecture/],
      [models.loraWrongArchitecture, 0, 'ADAPTER_MISMATCH', /qwen2 architecture/],
      [models.chatModel, 0, 'ADAPTER_MISMATCH', /is not a LoRA adapter/],
      [path.join(tempDir(), 'missing.gguf'), 0, 'MODEL_NOT_FOUND', /missing\.gguf/],
    ] as const) {
      const refused = await core.ask({ question, adapters: [{ path: adapter, scale }] });
      expect(refused.ok, `${adapter} at ${scale}`).toBe(false);
      expect(!refused.ok && refused.error).toMatchObject({ code, message: expect.stringMatching(reason) });
    }
    expect(value(await core.listConversations({})).conversations).toHaveLength(before);
  });

  it('takes an adapter file replaced on disk as the new adapter it is, one adapting the token embedding too', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'my-tone.gguf');
    fs.copyFileSync(models.loraMatching, file);
    const question = 'When was the Zanzibar accord signed?';
    const answerWith = async (adapter: string, scale = 1) => (await ask(core, question, { adapters: [{ path: adapter, scale }], temperature: 0 })).answer;
    const first = await answerWith(file);
    // Retrained into the same file: the answer is the new adapter's, as from a file never loaded.
    writeLoraAdapter(file, { kind: 'matching', seed: 9 });
    const retrained = path.join(dir, 'retrained-copy.gguf');
    fs.copyFileSync(file, retrained);
    const second = await answerWith(file);
    expect(second.answer).toBe((await answerWith(retrained)).answer);
    expect(second.answer).not.toBe(first.answer);
    // One that also adapts the token embedding, whose matrices llama.cpp takes flipped, fits.
    const withEmbedding = buildLoraAdapter({ kind: 'matching', seed: 9 });
    const vocab = buildFixtureVocab().tokens.length;
    withEmbedding.tensor('token_embd.weight.lora_a', [4, vocab], new Float32Array(4 * vocab).fill(0.01));
    withEmbedding.tensor('token_embd.weight.lora_b', [4, DEFAULT_CHAT_DIMS.nEmbd], new Float32Array(4 * DEFAULT_CHAT_DIMS.nEmbd).fill(0.01));
    withEmbedding.write(file);
    for (const scale of [1, 0]) expect((await answerWith(file, scale)).covered).toBe(true);
    // Retrained for a model of another size: refused at any scale.
    fs.copyFileSync(models.loraWrongDimensions, file);
    for (const scale of [1, 0]) {
      expect(await core.ask({ question, adapters: [{ path: file, scale }] })).toMatchObject({ ok: false, error: { code: 'ADAPTER_MISMATCH' } });
    }
  });

  it('refuses an answer length that leaves no room for sources, storing nothing', async () => {
    const before = value(await core.listConversations({})).conversations.length;
    // What ask would refuse, checkAsk says without a question, storing nothing.
    expect(value(await core.checkAsk({}))).toEqual({ contextSize: 4096 });
    expect(await core.checkAsk({ maxTokens: 4000 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/at most 3712/) } });
    expect(await core.checkAsk({ conversationId: 999 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.checkAsk({ adapters: [{ path: models.loraWrongDimensions, scale: 0 }] })).toMatchObject({ ok: false, error: { code: 'ADAPTER_MISMATCH' } });
    const refused = await core.ask({ question: 'When was the Zanzibar accord signed?', maxTokens: 4000 });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(!refused.ok && refused.error.message).toMatch(/4000 tokens leaves too little of this model's 4096-token context .* at most 3712\./);
    expect(value(await core.listConversations({})).conversations).toHaveLength(before);

    // A long question leaves less room than that check assumes: the answer fails, saying why,
    // and its question is taken back.
    const long = value(await core.ask({ question: `When was the Zanzibar accord signed?${' Please answer with care.'.repeat(150)}`, maxTokens: 3000 }));
    await expect(core.waitForAnswer(long.answerId)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^The question \(\d+ tokens\) and an answer of up to 3000 tokens leave no room for a source .* Shorten the question/),
    });
    expect(value(await core.listConversations({})).conversations).toHaveLength(before);
  });

  it('reports the backend and the loaded model', async () => {
    const status = value(await core.modelStatus({}));
    expect(status.chatModel?.path).toBe(models.chatModel);
    expect(status.backend).toBe('cpu');
    expect(status.ram.total).toBeGreaterThan(0);
  });
});

describe('answers that meet a model change or a failure', () => {
  /** Runs `run` on a core with the Known Facts library, a second chat model file, and an answer of up to 300 tokens being written. */
  async function whileAnswering(run: (core: Core, other: string, answerId: string) => Promise<void>) {
    const core = openCore({ chatModelPath: models.chatModel, generationThreads: 1 });
    try {
      await ingest(core, [KNOWN_FACTS_PDF]);
      const other = path.join(tempDir(), 'another-chat-model.gguf');
      fs.copyFileSync(models.chatModel, other);
      const { answerId } = value(await core.ask({ question: 'How many pipes does the cathedral organ contain?', maxTokens: 300, temperature: 1, seed: 3 }));
      await run(core, other, answerId);
    } finally {
      await core.close();
    }
  }

  it('finishes an answer being written before another model replaces the loaded one', () =>
    whileAnswering(async (core, other, answerId) => {
      await new Promise<void>((resolve) => {
        const off = core.on('chat:token', (e) => e.answerId === answerId && (off(), resolve()));
      });
      let answered = false;
      const answer = core.waitForAnswer(answerId).then((a) => ((answered = true), a));
      const loaded = value(await core.loadChatModel({ path: other }));
      expect(answered).toBe(true);
      expect(loaded.chatModel?.path).toBe(other);
      const done = await answer;
      expect(done.stopped).toBe(false);
      expect(done.timings.generatedTokens).toBeGreaterThan(1);
      expect(value(await core.getConversation({ conversationId: done.conversationId })).messages).toHaveLength(2);
    }));

  it('keeps the model being loaded when a question is asked while it loads', () =>
    whileAnswering(async (core, other, answerId) => {
      // The answer being written keeps the old model loaded while the new one waits for it.
      const first = core.waitForAnswer(answerId);
      const loading = core.loadChatModel({ path: other });
      while (value(await core.modelStatus({})).chatModel !== null) await new Promise((resolve) => setTimeout(resolve, 5));
      const asked = value(await core.ask({ question: 'When was the Zanzibar accord signed?', maxTokens: 4 }));
      const second = core.waitForAnswer(asked.answerId);
      expect(value(await loading).chatModel?.path).toBe(other);
      await Promise.all([first, second]);
      expect(value(await core.modelStatus({})).chatModel?.path).toBe(other);
    }));

  /** An Answerer over an in-memory store and the fixture model, with the given search; `close` frees both. */
  async function answererWith(search: AnswerDeps['search']) {
    const db = openDatabase(':memory:');
    const conversations = new ConversationStore(db);
    const chatModels = new ChatModels(() => undefined, 1);
    await chatModels.load(models.chatModel);
    const answerer = new Answerer({ conversations, chatModels, chatModelPath: () => models.chatModel, search, coverage: DEFAULT_COVERAGE });
    const close = async () => {
      await chatModels.dispose();
      db.close();
    };
    return { answerer, conversations, chatModels, db, close };
  }
  const callbacks = { signal: new AbortController().signal, onText: () => undefined };

  it('takes back the question of an answer that fails, and the conversation made for it', async () => {
    const { answerer, conversations, close } = await answererWith(() => Promise.reject(new Error('the search failed')));
    const request = AskRequest.parse({ question: 'When was the Zanzibar accord signed?' });
    try {
      const fresh = answerer.start(request, 'a1');
      expect(conversations.messages(fresh.conversationId)).toHaveLength(1);
      const context = await answerer.context(request);
      await expect(answerer.answer('a1', request, fresh, context, callbacks)).rejects.toThrow('the search failed');
      expect(conversations.get(fresh.conversationId)).toBeNull();

      // In an existing conversation only the question goes; the turns before it stay, and so
      // does its place in the list (when it last changed).
      const kept = conversations.create('kept');
      conversations.addUserMessage(kept, 'an earlier question');
      const before = conversations.get(kept)!.updatedAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const followUp = answerer.start({ ...request, conversationId: kept }, 'a2');
      expect(conversations.get(kept)!.updatedAt).not.toBe(before);
      await expect(answerer.answer('a2', request, followUp, context, callbacks)).rejects.toThrow('the search failed');
      expect(conversations.messages(kept).map((m) => m.content)).toEqual(['an earlier question']);
      expect(conversations.get(kept)!.updatedAt).toBe(before);
      // Renamed while the answer was written: the rename's time stays.
      const renamedDuring = answerer.start({ ...request, conversationId: kept }, 'a5');
      await new Promise((resolve) => setTimeout(resolve, 5));
      conversations.rename(kept, 'renamed meanwhile');
      const renamedAt = conversations.get(kept)!.updatedAt;
      await expect(answerer.answer('a5', request, renamedDuring, context, callbacks)).rejects.toThrow('the search failed');
      expect(conversations.get(kept)!.updatedAt).toBe(renamedAt);

      // A conversation made for the question stays if something else was said in it meanwhile.
      const made = answerer.start(request, 'a3');
      conversations.addUserMessage(made.conversationId, 'asked while the first waited');
      await expect(answerer.answer('a3', request, made, context, callbacks)).rejects.toThrow('the search failed');
      expect(conversations.messages(made.conversationId).map((m) => m.content)).toEqual(['asked while the first waited']);
    } finally {
      await close();
    }
  });

  it('does not save an answer whose conversation another answer took over while it was silent, and takes its question back', async () => {
    const hit = { chunkId: 1, documentId: 1, title: 'Notes', page: 1, text: 'The Zanzibar accord was signed in 1932.', charStart: 0, charEnd: 39, boxes: [], score: 1, vectorScore: 1, keywordScore: null };
    const { answerer, conversations, db, close } = await answererWith(() => Promise.resolve([hit]));
    const request = AskRequest.parse({ question: 'When was the Zanzibar accord signed?', maxTokens: 4 });
    try {
      const kept = conversations.create('kept');
      const question = answerer.start({ ...request, conversationId: kept }, 'silent');
      // Its process was stopped (Ctrl-Z) past the claim's life, and another process's answer took the conversation.
      db.prepare(`UPDATE answer_claims SET owner = 'the app answer', pid = ? WHERE conversation_id = ?`).run(process.ppid, kept);
      const context = await answerer.context(request);
      await expect(answerer.answer('silent', request, question, context, callbacks)).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/was not saved.*took conversation \d+ over/) });
      expect(conversations.messages(kept)).toEqual([]);
      expect(db.prepare(`SELECT owner FROM answer_claims WHERE conversation_id = ?`).get(kept)).toEqual({ owner: 'the app answer' });
    } finally {
      await close();
    }
  });

  it('fails an answer clearly whose context was freed before it began, and takes its question back', async () => {
    const hit = { chunkId: 1, documentId: 1, title: 'Notes', page: 1, text: 'The Zanzibar accord was signed in 1932.', charStart: 0, charEnd: 39, boxes: [], score: 1, vectorScore: 1, keywordScore: null };
    const { answerer, conversations, chatModels, close } = await answererWith(() => Promise.resolve([hit]));
    const request = AskRequest.parse({ question: 'When was the Zanzibar accord signed?', maxTokens: 4, adapters: [{ path: models.loraMatching, scale: 1 }] });
    try {
      const context = await answerer.context(request);
      // Two other adapter sets take its place, as when scales are tried while it waits.
      for (const scale of [0.5, 0.25]) await chatModels.context([{ path: models.loraMatching, scale }]);
      expect(context.disposed).toBe(true);
      const question = answerer.start(request, 'a1');
      await expect(answerer.answer('a1', request, question, context, callbacks)).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/unloaded before it began/) });
      expect(conversations.get(question.conversationId)).toBeNull();
      // Asked again, it gets a context and an answer.
      const again = answerer.start(request, 'a2');
      const answer = await answerer.answer('a2', request, again, await answerer.context(request), callbacks);
      expect(answer).toMatchObject({ covered: true, sources: [expect.objectContaining({ title: 'Notes' })] });
    } finally {
      await close();
    }
  });
});

describe('a loaded chat model', () => {
  it('keeps the context without adapters and the most recently used adapter sets, and frees the others', async () => {
    const chatModels = new ChatModels(() => undefined, 1);
    try {
      await chatModels.load(models.chatModel);
      const base = await chatModels.context([]);
      const at = (scale: number) => chatModels.context([{ path: models.loraMatching, scale }]);
      const one = await at(1);
      const half = await at(0.5);
      expect(MAX_ADAPTER_CONTEXTS).toBe(2);
      expect(await at(1)).toBe(one); // reused, and now the most recently used
      const quarter = await at(0.25); // frees 0.5, used least recently
      expect(half.disposed).toBe(true);
      expect([base, one, quarter].map((c) => c.disposed)).toEqual([false, false, false]);
      const halfAgain = await at(0.5);
      expect(halfAgain).not.toBe(half);
      expect(one.disposed).toBe(true);
      expect([base, quarter, halfAgain].map((c) => c.disposed)).toEqual([false, false, false]);
      // Scale 0 needs no context: the one without adapters serves it.
      expect(await at(0)).toBe(base);

      // A context still generating is freed when its answer ends, not before.
      const busy = quarter;
      await at(0.5); // quarter is now the least recently used
      let disposedDuring: boolean | null = null;
      const generating = withGeneration(busy, async () => {
        const session = new LlamaChatSession({ contextSequence: busy.getSequence(), autoDisposeSequence: true });
        const text = await session.prompt('Say something long.', {
          maxTokens: 64,
          onTextChunk: () => (disposedDuring ??= busy.disposed),
        });
        session.dispose();
        return text;
      });
      await at(0.75); // frees quarter, which is generating
      await expect(generating).resolves.toEqual(expect.any(String));
      expect(disposedDuring).toBe(false);
      await vi.waitFor(() => expect(busy.disposed).toBe(true));
      expect(base.disposed).toBe(false);
    } finally {
      await chatModels.dispose();
    }
  });

  it('comes with the grammar for the usual number of sources, so the first answer does not build it', async () => {
    const llama = await getRuntime();
    const createGrammar = vi.spyOn(llama, 'createGrammar');
    const chatModels = new ChatModels(() => undefined, 1);
    try {
      await chatModels.load(models.chatModel);
      expect(createGrammar).toHaveBeenCalledTimes(1);
      expect(createGrammar).toHaveBeenCalledWith({ grammar: citationGrammar(DEFAULT_ASK_SOURCES) });
      await chatModels.grammar(DEFAULT_ASK_SOURCES);
      expect(createGrammar).toHaveBeenCalledTimes(1);
      await chatModels.grammar(3);
      expect(createGrammar).toHaveBeenCalledTimes(2);
    } finally {
      createGrammar.mockRestore();
      await chatModels.dispose();
    }
  });
});

describe('chat model errors', () => {
  it('are clear for a missing, corrupt or non-chat model', async () => {
    const dir = tempDir();
    const corrupt = path.join(dir, 'corrupt.gguf');
    fs.writeFileSync(corrupt, 'GGUF but not really');
    const core = openCore({ generationThreads: 1 });
    try {
      expect(await core.ask({ question: 'anything' })).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_FOUND' } });
      expect(await core.loadChatModel({ path: path.join(dir, 'missing.gguf') })).toMatchObject({ ok: false, error: { code: 'MODEL_NOT_FOUND' } });
      expect(await core.loadChatModel({ path: corrupt })).toMatchObject({ ok: false, error: { code: 'MODEL_INVALID' } });
      const embedding = await core.loadChatModel({ path: models.embeddingModel });
      expect(embedding).toMatchObject({ ok: false, error: { code: 'MODEL_INVALID' } });
      if (!embedding.ok) expect(embedding.error.message).toMatch(/embedding model, not a chat model/);
      expect(await core.loadChatModel({ path: models.loraMatching })).toMatchObject({ ok: false, error: { code: 'MODEL_INVALID' } });
      // An empty library needs no retrieval: the answer says so without generating.
      value(await core.loadChatModel({ path: models.chatModel }));
      const { answerId } = value(await core.ask({ question: 'When was the Zanzibar accord signed?' }));
      const empty = await core.waitForAnswer(answerId);
      expect(empty).toMatchObject({ covered: false, sources: [], answer: 'Nothing in your library is close to this question, so I will not answer it from memory.' });
    } finally {
      await core.close();
    }
  });
});

describe('questions limited to some documents, and model loading', () => {
  it('answers only from the documents asked for', async () => {
    const core = openCore({ chatModelPath: models.chatModel, generationThreads: 1 });
    try {
      const files = await ingest(core, [KNOWN_FACTS_PDF, CRAZY_ONES_PDF]);
      const [facts, crazy] = [KNOWN_FACTS_PDF, CRAZY_ONES_PDF].map((file) => files.find((f) => f.path === file)?.documentId);
      expect(facts).toBeDefined();
      expect(crazy).toBeDefined();
      const question = 'The crazy ones, the misfits and the rebels, and the pipes of the cathedral organ';
      const everywhere = (await ask(core, question, { maxTokens: 8 })).answer;
      expect(new Set(everywhere.sources.map((s) => s.documentId))).toEqual(new Set([facts, crazy]));
      for (const only of [facts!, crazy!]) {
        const { answer } = await ask(core, question, { documentIds: [only], maxTokens: 8 });
        expect(answer.sources.length).toBeGreaterThan(0);
        expect(answer.sources.map((s) => s.documentId)).toEqual(answer.sources.map(() => only));
      }
      expect(await core.ask({ question, documentIds: [999] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

      // A document that failed is not in the index: limiting to it says so rather than finding nothing.
      const broken = path.join(tempDir(), 'broken.pdf');
      fs.writeFileSync(broken, fs.readFileSync(CRAZY_ONES_PDF).subarray(0, 2000));
      const [failed] = await ingest(core, [broken]);
      expect(failed).toMatchObject({ outcome: 'failed', documentId: expect.any(Number) });
      for (const result of [await core.ask({ question, documentIds: [failed!.documentId!] }), await core.search({ query: question, documentIds: [failed!.documentId!] })]) {
        expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/is not in the index: it failed .* Ingest its file again or remove it/) } });
      }
    } finally {
      await core.close();
    }
  });

  it('reports the progress of loading a chat model', async () => {
    const core = openCore({ generationThreads: 1 });
    const seen: { path: string; progress: number }[] = [];
    core.on('model:progress', (event) => seen.push(event));
    try {
      value(await core.loadChatModel({ path: models.chatModel }));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((e) => e.path === path.resolve(models.chatModel))).toBe(true);
      const progress = seen.map((e) => e.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(1);
    } finally {
      await core.close();
    }
  });
});

describe('the citation grammar against a model pushed toward invalid markers', () => {
  it('lets through only markers of sources in the prompt', async () => {
    const llama = await getRuntime();
    const model = await llama.loadModel({ modelPath: models.chatModel });
    const context = await model.createContext({ contextSize: 512, threads: 1 });
    try {
      const grammar = await llama.createGrammar({ grammar: citationGrammar(3) });
      // Push hard toward "[" and every marker token, valid or not.
      const bias = new TokenBias(model.tokenizer);
      for (let n = 1; n <= 30; n++) {
        for (const text of [`[${n}]`, ` [${n}]`]) {
          const tokens = model.tokenize(text);
          if (tokens.length === 1) bias.set(tokens[0]!, { logit: 8 });
        }
      }
      bias.set(model.tokenize('[')[0]!, { logit: 4 });
      let markers = 0;
      for (let seed = 1; seed <= 10; seed++) {
        const session = new LlamaChatSession({ contextSequence: context.getSequence(), autoDisposeSequence: true });
        const text = await session.prompt('Answer with citations.', { grammar, tokenBias: bias, maxTokens: 30, temperature: 1, seed });
        session.dispose();
        for (const marker of findMarkers(text)) {
          markers++;
          expect(marker.n).toBeLessThanOrEqual(3);
        }
        // Every "[" opens a marker; only a generation cut off by maxTokens may end inside one.
        expect(text, JSON.stringify(text)).not.toMatch(/\[(?!\d\])(?!\d*$)/);
      }
      expect(markers).toBeGreaterThan(10);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });
});
