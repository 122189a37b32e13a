/**
 * Grounded chat, measured against the bare node-llama-cpp calls it makes (DESIGN.md,
 * "Performance method"), on the fixture chat and embedding models:
 * - pipeline overhead: time to first token of core.ask (query embedding, hybrid retrieval,
 *   prompt assembly, generation) against a bare LlamaChatSession evaluating the very same prompt
 *   under the very same citation grammar, same model, chat wrapper, context size and threads,
 *   both from an empty KV cache, both in a process with the chat and embedding models loaded.
 *   What differs is what the issue asks about: retrieval plus prompt assembly;
 * - citation validity: over 200 sampled answers, the share of citation markers that name a
 *   source that was in the prompt.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlamaChatSession, resolveChatWrapper } from 'node-llama-cpp';
import { buildPrompt } from '../main/core/chat/prompt.js';
import { citationGrammar, findMarkers } from '../main/core/chat/grammar.js';
import { createCore, type Core } from '../main/core/index.js';
import type { Answer } from '../preload/contract/index.js';
import { getRuntime } from '../main/core/llm/runtime.js';
import { ensureFixtureModels } from '../tests/fixtures/gguf/models.js';
import { fmt, isMain, median, medianInterval, option, printTable, tempDir, verdict } from './util.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const CORPUS = path.resolve(REPO, '../shared/corpus/py-pdf-samples');
const DOCS = ['021-pdfa/crazyones-pdfa.pdf', '011-google-doc-document/google-doc-document.pdf', '026-latex-multicolumn/multicolumn.pdf', '004-pdflatex-4-pages/pdflatex-4-pages.pdf'];
const QUESTIONS = [
  'What does the text say about the crazy ones, the misfits and the rebels?',
  'Why is beautiful better than ugly according to the example document?',
  'What is the two-column document about?',
  'Which text has no meaning in the four pages document?',
  'What do the crazy ones push forward?',
  'Is explicit better than implicit in the example document?',
  'What does the Lorem Ipsum text in two columns say?',
  'What is said about the troublemakers and the round pegs?',
  'Is simple better than complex according to the example?',
  'What is the text without a meaning in the pdflatex document?',
  'Who sees things differently according to the crazy ones text?',
  'What does the example document say about readability?',
  'What does the multicolumn document say about sed diam nonumy?',
  'What does the text say about rules and the status quo?',
  'What is sparse better than in the example document?',
  'What does the four pages document say about its own meaning?',
];

export interface ChatBenchResult {
  overhead: {
    oursTtftMs: number;
    bareTtftMs: number;
    ratio: number;
    /** 95% bootstrap interval of `ratio`, from the spread of the pairs: how precisely this run measured it. */
    ratioInterval: [low: number, high: number];
    overheadPercent: number;
    promptTokens: number;
    samples: number;
    notCovered: number;
  };
  citations: { answers: number; answersWithMarkers: number; markers: number; validMarkers: number; validPercent: number; verified: number };
}

async function ask(core: Core, question: string, options: { temperature: number; seed?: number; maxTokens: number }) {
  const started = await core.ask({ question, ...options });
  if (!started.ok) throw new Error(started.error.message);
  return core.waitForAnswer(started.value.answerId);
}

export async function runChatBench(samples = 200, answers = 200): Promise<ChatBenchResult> {
  const models = ensureFixtureModels();
  const dir = tempDir('docent-bench-chat');
  const threads = 1; // the fixture model is tiny: more threads only contend (see README)
  const core = createCore({ dbPath: path.join(dir, 'library.sqlite'), embeddingModelPath: models.embeddingModel, chatModelPath: models.chatModel, generationThreads: threads });
  try {
    const job = await core.ingest({ paths: DOCS.map((d) => path.join(CORPUS, d)) });
    if (!job.ok) throw new Error(job.error.message);
    await core.waitForIngest(job.value.jobId);

    // Like `docent ask`, each sample starts cold: ours in a fresh core (models loaded before the
    // clock starts), the bare path in a fresh context. Ours is timed as a user sees it, from the
    // ask call to the first streamed token; the bare path from creating its chat session. Which
    // goes first alternates, so neither always finds the chat model's weights warm in the cache.
    // No full GC is forced before a timed run, as no user's question follows one: right after
    // gc() the same JavaScript ran slower (0.6 -> 0.9 ms to the embedding's dispatch) and V8's
    // background sweeping took a core from llama.cpp's threads (query embedding 1.2-8.5 ms instead
    // of about 1.2); that cost ours 3.2-4.2 ms before generation instead of 2.2-2.5.
    const llama = await getRuntime();
    const model = await llama.loadModel({ modelPath: models.chatModel });
    // Resolved once, as ours does when it loads a model: resolving the chat template costs milliseconds.
    const chatWrapper = resolveChatWrapper(model);
    const ours: number[] = [];
    const bare: number[] = [];
    const promptTokens: number[] = [];
    const open = () => createCore({ dbPath: path.join(dir, 'library.sqlite'), chatModelPath: models.chatModel, generationThreads: threads });

    const timeOurs = async (fresh: Core, question: string) => {
      const start = performance.now();
      let first = NaN;
      const off = fresh.on('chat:token', () => (first = Number.isNaN(first) ? performance.now() - start : first));
      const answer = await ask(fresh, question, { temperature: 0, maxTokens: 1 });
      off();
      // A first token that opens a citation marker is held back until the marker is finished.
      if (Number.isNaN(first)) throw new Error(`No token of the answer to "${question}" was streamed: ${JSON.stringify(answer.answer)}`);
      return { first, answer };
    };
    const timeBare = async (question: string, sources: Answer['sources']) => {
      const context = await model.createContext({ contextSize: 4096, threads });
      const prompt = buildPrompt(question, sources, [], { contextTokens: context.contextSize, answerTokens: 1, countTokens: (t) => model.tokenize(t).length });
      const grammar = await llama.createGrammar({ grammar: citationGrammar(prompt.sources.length) });
      const start = performance.now();
      let first = NaN;
      const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper, autoDisposeSequence: true });
      session.setChatHistory([{ type: 'system', text: prompt.system }]);
      await session.prompt(question, { grammar, maxTokens: 1, temperature: 0, onTextChunk: () => (first = Number.isNaN(first) ? performance.now() - start : first) });
      session.dispose();
      await context.dispose();
      return first;
    };

    // Only answers that generate count: a question the library does not cover is answered
    // without the model, at once, and would flatter ours. The sources of each question (the
    // bare run's prompt) come from an untimed answer of the long-lived core.
    let notCovered = 0;
    for (let i = 0; ours.length < samples && i < 4 * samples; i++) {
      const question = QUESTIONS[i % QUESTIONS.length]!;
      const known = await ask(core, question, { temperature: 0, maxTokens: 1 });
      if (!known.covered) {
        notCovered++;
        continue;
      }
      const fresh = open();
      await fresh.loadChatModel({ path: models.chatModel });
      await fresh.search({ query: 'warm the embedding model', k: 1 });
      let timedOurs: Awaited<ReturnType<typeof timeOurs>>;
      let timedBare: number;
      if (ours.length % 2 === 0) {
        timedOurs = await timeOurs(fresh, question);
        timedBare = await timeBare(question, known.sources);
      } else {
        timedBare = await timeBare(question, known.sources);
        timedOurs = await timeOurs(fresh, question);
      }
      // Closed only now, so that the bare run, too, sees a process with both models loaded.
      await fresh.close();
      if (timedOurs.answer.sources.map((s) => s.chunkId).join() !== known.sources.map((s) => s.chunkId).join()) {
        throw new Error(`The sources for "${question}" changed between runs.`);
      }
      ours.push(timedOurs.first);
      bare.push(timedBare);
      promptTokens.push(timedOurs.answer.timings.promptTokens);
    }
    await model.dispose();

    let markers = 0;
    let valid = 0;
    let withMarkers = 0;
    let verified = 0;
    for (let seed = 1; seed <= answers; seed++) {
      const answer = await ask(core, QUESTIONS[seed % QUESTIONS.length]!, { temperature: 1, seed, maxTokens: 48 });
      const found = findMarkers(answer.answer);
      if (found.length) withMarkers++;
      markers += found.length;
      valid += found.filter((m) => m.n >= 1 && m.n <= answer.sources.length).length;
      verified += answer.citations.filter((c) => c.verified).length;
    }
    if (ours.length < samples) throw new Error(`Only ${ours.length} of ${samples} timing questions were covered by the library.`);
    const oursTtftMs = median(ours);
    const bareTtftMs = median(bare);
    // Each question's two runs are neighbours in time; the median of their ratios is what a
    // slow spell of the machine moves least.
    const ratios = ours.map((o, i) => o / bare[i]!);
    const ratio = median(ratios);
    return {
      overhead: { oursTtftMs, bareTtftMs, ratio, ratioInterval: medianInterval(ratios), overheadPercent: (ratio - 1) * 100, promptTokens: median(promptTokens), samples: ours.length, notCovered },
      citations: { answers, answersWithMarkers: withMarkers, markers, validMarkers: valid, validPercent: markers ? (valid / markers) * 100 : 100, verified },
    };
  } finally {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** "1.047 (+4.7%; 95% interval 1.038–1.054)" */
export function overheadText(o: ChatBenchResult['overhead']): string {
  return `${fmt(o.ratio, 3)} (${o.overheadPercent >= 0 ? '+' : ''}${fmt(o.overheadPercent, 1)}%; 95% interval ${fmt(o.ratioInterval[0], 3)}–${fmt(o.ratioInterval[1], 3)})`;
}

export function printChatBench(r: ChatBenchResult): void {
  console.log('\nGrounded chat (fixture models, 1 generation thread)');
  printTable(
    ['measure', 'ours', 'bare node-llama-cpp', 'ratio', 'target'],
    [
      [`time to first token (median of ${r.overhead.samples} covered questions, ${r.overhead.notCovered} not covered skipped; prompts of ${r.overhead.promptTokens} tokens, median)`, `${fmt(r.overhead.oursTtftMs, 1)} ms`, `${fmt(r.overhead.bareTtftMs, 1)} ms`, `${overheadText(r.overhead)}, median of paired ratios`, `< +5%: ${verdict(r.overhead.overheadPercent < 5)}`],
      [`citation markers naming a source in the prompt (${r.citations.answers} answers, ${r.citations.answersWithMarkers} with markers)`, `${r.citations.validMarkers}/${r.citations.markers}`, '', `${fmt(r.citations.validPercent, 1)}%`, `100%: ${verdict(r.citations.validPercent === 100 && r.citations.markers > 0)}`],
    ],
  );
}

if (isMain(import.meta.url)) {
  printChatBench(await runChatBench(Number(option('samples', 'BENCH_CHAT_SAMPLES', '200')), Number(option('answers', 'BENCH_CHAT_ANSWERS', '200'))));
}
