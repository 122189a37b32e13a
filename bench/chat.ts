/**
 * Grounded chat, measured against the bare node-llama-cpp calls it makes (DESIGN.md,
 * "Performance method"), on the fixture chat and embedding models:
 * - pipeline overhead: time to first token of core.ask (retrieval, prompt assembly, grammar,
 *   generation) against a bare LlamaChatSession evaluating the very same prompt, same model,
 *   same context size and threads, both from an empty KV cache;
 * - citation validity: over 200 sampled answers, the share of citation markers that name a
 *   source that was in the prompt.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlamaChatSession } from 'node-llama-cpp';
import { buildPrompt } from '../main/core/chat/prompt.js';
import { findMarkers } from '../main/core/chat/grammar.js';
import { createCore, type Core } from '../main/core/index.js';
import { getRuntime } from '../main/core/llm/runtime.js';
import { ensureFixtureModels } from '../tests/fixtures/gguf/models.js';
import { fmt, isMain, median, printTable, verdict } from './util.js';

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
  overhead: { oursTtftMs: number; bareTtftMs: number; ratio: number; overheadPercent: number; promptTokens: number; samples: number };
  citations: { answers: number; answersWithMarkers: number; markers: number; validMarkers: number; validPercent: number; verified: number };
}

async function ask(core: Core, question: string, options: { temperature: number; seed?: number; maxTokens: number }) {
  const started = await core.ask({ question, ...options });
  if (!started.ok) throw new Error(started.error.message);
  return core.waitForAnswer(started.value.answerId);
}

export async function runChatBench(samples = 15, answers = 200): Promise<ChatBenchResult> {
  const models = ensureFixtureModels();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-bench-chat-'));
  const threads = 1; // the fixture model is tiny: more threads only contend (see README)
  const core = createCore({ dbPath: path.join(dir, 'library.sqlite'), embeddingModelPath: models.embeddingModel, chatModelPath: models.chatModel, generationThreads: threads });
  try {
    const job = await core.ingest({ paths: DOCS.map((d) => path.join(CORPUS, d)) });
    if (!job.ok) throw new Error(job.error.message);
    await core.waitForIngest(job.value.jobId);

    // Like `docent ask`, each sample starts cold: ours in a fresh core (models loaded before the
    // clock starts), the bare path in a fresh context. Ours is timed as a user sees it, from the
    // ask call to the first streamed token; the bare path from creating its chat session.
    const llama = await getRuntime();
    const model = await llama.loadModel({ modelPath: models.chatModel });
    const ours: number[] = [];
    const bare: number[] = [];
    let promptTokens = 0;
    const open = () => createCore({ dbPath: path.join(dir, 'library.sqlite'), chatModelPath: models.chatModel, generationThreads: threads });
    for (let i = 0; i < Math.min(samples, QUESTIONS.length); i++) {
      const question = QUESTIONS[i]!;
      const fresh = open();
      await fresh.loadChatModel({ path: models.chatModel });
      await fresh.search({ query: 'warm the embedding model', k: 1 });
      const start = performance.now();
      let first = NaN;
      fresh.on('chat:token', () => (first = Number.isNaN(first) ? performance.now() - start : first));
      const answer = await ask(fresh, question, { temperature: 0, maxTokens: 1 });
      await fresh.close();
      ours.push(first);
      promptTokens = answer.timings.promptTokens;

      const context = await model.createContext({ contextSize: 4096, threads });
      const prompt = buildPrompt(question, answer.sources, [], { contextTokens: context.contextSize, answerTokens: 1, countTokens: (t) => model.tokenize(t).length });
      const bareStart = performance.now();
      let bareFirst = NaN;
      const session = new LlamaChatSession({ contextSequence: context.getSequence(), autoDisposeSequence: true });
      session.setChatHistory([{ type: 'system', text: prompt.system }]);
      await session.prompt(question, { maxTokens: 1, temperature: 0, onTextChunk: () => (bareFirst = Number.isNaN(bareFirst) ? performance.now() - bareStart : bareFirst) });
      session.dispose();
      await context.dispose();
      bare.push(bareFirst);
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
    const oursTtftMs = median(ours);
    const bareTtftMs = median(bare);
    return {
      overhead: { oursTtftMs, bareTtftMs, ratio: oursTtftMs / bareTtftMs, overheadPercent: (oursTtftMs / bareTtftMs - 1) * 100, promptTokens, samples: ours.length },
      citations: { answers, answersWithMarkers: withMarkers, markers, validMarkers: valid, validPercent: markers ? (valid / markers) * 100 : 100, verified },
    };
  } finally {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function printChatBench(r: ChatBenchResult): void {
  console.log('\nGrounded chat (fixture models, 1 generation thread)');
  printTable(
    ['measure', 'ours', 'bare node-llama-cpp', 'ratio', 'target'],
    [
      [`time to first token (median of ${r.overhead.samples}, ${r.overhead.promptTokens}-token prompt)`, `${fmt(r.overhead.oursTtftMs, 1)} ms`, `${fmt(r.overhead.bareTtftMs, 1)} ms`, `${fmt(r.overhead.ratio, 3)} (+${fmt(r.overhead.overheadPercent, 1)}%)`, `< +5%: ${verdict(r.overhead.overheadPercent < 5)}`],
      [`citation markers naming a source in the prompt (${r.citations.answers} answers, ${r.citations.answersWithMarkers} with markers)`, `${r.citations.validMarkers}/${r.citations.markers}`, '', `${fmt(r.citations.validPercent, 1)}%`, `100%: ${verdict(r.citations.validPercent === 100 && r.citations.markers > 0)}`],
    ],
  );
}

if (isMain(import.meta.url)) {
  printChatBench(await runChatBench(Number(process.env['BENCH_CHAT_SAMPLES'] ?? 15), Number(process.env['BENCH_CHAT_ANSWERS'] ?? 200)));
}
