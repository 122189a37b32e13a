/**
 * Proves the generated fixture models (tests/fixtures/gguf) work with the real node-llama-cpp:
 * they parse, load without any llama.cpp warnings, round-trip text through the tokenizer,
 * resolve to the ChatML chat wrapper, generate deterministically, embed, and take LoRA adapters.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChatMLChatWrapper,
  getLlama,
  LlamaChatSession,
  LlamaLogLevel,
  LlamaLogLevelGreaterThanOrEqual,
  readGgufFileInfo,
  resolveChatWrapper,
  type Llama,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import {
  buildFixtureVocab,
  ensureFixtureModels,
  mulberry32,
  writeChatModel,
  writeEmbeddingModel,
  type FixtureModelPaths,
} from '../fixtures/gguf/models.js';

interface LogLine {
  level: LlamaLogLevel;
  message: string;
}

const logs: LogLine[] = [];
const consoleWarnings: string[] = [];
let paths: FixtureModelPaths;
let llama: Llama;
let chatModel: LlamaModel;
let embeddingModel: LlamaModel;
let restoreConsole: (() => void) | undefined;
let scratchDir: string | undefined;

function isWarnOrWorse(line: LogLine): boolean {
  return line.level !== LlamaLogLevel.disabled && LlamaLogLevelGreaterThanOrEqual(line.level, LlamaLogLevel.warn);
}

/** Warnings/errors logged since `mark` (an index into `logs`). */
function problemsSince(mark: number): string[] {
  return logs.slice(mark).filter(isWarnOrWorse).map((l) => `[${l.level}] ${l.message}`);
}

const ROUND_TRIP_TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'According to the report [1], the total was 42% [12]; see also [3][4].',
  'مرحبا بالعالم، كيف حالك؟ هذا نص عربي.',
  'Emoji: 😀👍🏽 🇩🇪 👨‍👩‍👧 — done',
  'line one\nline two\r\n\ttabbed\n\n  indented  ',
  ' leading space',
  '   three leading spaces',
  'trailing space ',
  '\nstarts with a newline',
  '日本語のテキストと中文。Ελληνικά, кириллица, עברית',
  'e\u0301 combining, \u00a0nbsp, zero\u200bwidth, \u0001 \u007f control',
  '<|im_start|>user\nnot special<|im_end|> </s> <s> <unk>',
  'NUL \u0000 inside, U+FFFD \ufffd, max \u{10ffff}',
  'x',
  '',
];

/** Seeded random strings drawn from varied Unicode ranges (no lone surrogates, no U+2581). */
function randomTexts(count: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const ranges: [number, number][] = [
    [0x20, 0x7e],
    [0x0a, 0x0a],
    [0xa0, 0x24f],
    [0x370, 0x3ff],
    [0x400, 0x4ff],
    [0x600, 0x6ff],
    [0x4e00, 0x4fff],
    [0x1f300, 0x1f64f],
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rand() * 40);
    let s = '';
    for (let j = 0; j < len; j++) {
      const r = ranges[Math.floor(rand() * ranges.length)] ?? [0x20, 0x7e];
      s += String.fromCodePoint(r[0] + Math.floor(rand() * (r[1] - r[0] + 1)));
    }
    out.push(s);
  }
  return out;
}

beforeAll(async () => {
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    consoleWarnings.push(args.map(String).join(' '));
    originalWarn(...args);
  };
  restoreConsole = () => {
    console.warn = originalWarn;
  };

  paths = ensureFixtureModels();
  llama = await getLlama({
    gpu: false,
    // The models are tiny: one thread is by far the fastest (on a 2-core machine the default of
    // 4 threads makes each token ~500x slower through thread contention).
    maxThreads: 1,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      logs.push({ level, message });
    },
  });
  chatModel = await llama.loadModel({ modelPath: paths.chatModel });
  embeddingModel = await llama.loadModel({ modelPath: paths.embeddingModel });
}, 120_000);

afterAll(async () => {
  await chatModel?.dispose();
  await embeddingModel?.dispose();
  await llama?.dispose();
  restoreConsole?.();
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
});

describe('fixture GGUF files', { timeout: 60_000 }, () => {
  it('are small, cached, and parse with readGgufFileInfo', async () => {
    const again = ensureFixtureModels();
    expect(again).toEqual(paths);
    const totalBytes = Object.values(paths).reduce((sum, p) => sum + statSync(p).size, 0);
    expect(totalBytes).toBeLessThan(5 * 1024 * 1024);

    const chat = await readGgufFileInfo(paths.chatModel);
    expect(chat.version).toBe(3);
    expect(chat.metadata.general.architecture).toBe('llama');
    expect(chat.metadata.general.alignment).toBe(32);
    expect(chat.metadata.tokenizer.ggml.model).toBe('llama');
    expect(chat.metadata.tokenizer.chat_template).toContain('<|im_start|>');
    expect(chat.tensorInfo?.map((t) => t.name)).toContain('blk.1.ffn_down.weight');

    const emb = await readGgufFileInfo(paths.embeddingModel);
    expect(emb.metadata.general.architecture).toBe('llama-embed');
    expect(metadataAt(emb.metadata, 'llama-embed.pooling_type')).toBe(1);

    for (const p of [paths.loraMatching, paths.loraWrongDimensions, paths.loraWrongArchitecture]) {
      const info = await readGgufFileInfo(p);
      expect(metadataAt(info.metadata, 'general.type')).toBe('adapter');
      expect(metadataAt(info.metadata, 'adapter.type')).toBe('lora');
      expect(metadataAt(info.metadata, 'adapter.lora.alpha')).toBe(8);
      expect(info.tensorInfo?.some((t) => t.name === 'blk.0.attn_q.weight.lora_a')).toBe(true);
    }
    const wrongArch = await readGgufFileInfo(paths.loraWrongArchitecture);
    expect(wrongArch.metadata.general.architecture).not.toBe('llama');
  });
});

describe('fixture models in node-llama-cpp', { timeout: 60_000 }, () => {
  it('load with no llama.cpp warnings and no node-llama-cpp model warnings', () => {
    expect(problemsSince(0)).toEqual([]);
    expect(chatModel.getWarnings()).toEqual([]);
    expect(embeddingModel.getWarnings()).toEqual([]);
    expect(consoleWarnings).toEqual([]);
    expect(chatModel.trainContextSize).toBeGreaterThanOrEqual(4096);
  });

  it('round-trip any UTF-8 text through tokenize/detokenize', () => {
    const texts = [...ROUND_TRIP_TEXTS, ...randomTexts(200, 1234)];
    for (const model of [chatModel, embeddingModel]) {
      for (const text of texts) {
        const tokens = model.tokenize(text);
        expect(model.detokenize(tokens), JSON.stringify(text)).toBe(text);
      }
    }
  });

  it('map a literal U+2581 to a space (the one inherent SentencePiece exception)', () => {
    expect(chatModel.detokenize(chatModel.tokenize('x\u2581y'))).toBe('x y');
  });

  it('tokenize English words and citation markers compactly', () => {
    expect(chatModel.tokenize('[1]')).toHaveLength(1);
    expect(chatModel.tokenize('the answer [12]')).toHaveLength(3);
    expect(chatModel.tokenize('According to the document, the answer is here [3].')).toHaveLength(11);
    // Bytes outside the vocabulary fall back to byte tokens instead of <unk>.
    const unk = chatModel.tokenize('<unk>', true)[0];
    expect(chatModel.tokenize('😀 مرحبا')).not.toContain(unk);
  });

  it('expose ChatML control tokens and end generation at <|im_end|>', () => {
    const vocab = buildFixtureVocab();
    const special = chatModel.tokenize('<|im_start|>user\nhi<|im_end|>', true);
    expect(special[0]).toBe(vocab.imStartId);
    expect(special.at(-1)).toBe(vocab.imEndId);
    expect(chatModel.tokens.eos).toBe(vocab.imEndId);
    expect(chatModel.tokens.eot).toBe(vocab.imEndId);
    expect(chatModel.tokens.bosString).toBe('<s>');
    expect(chatModel.isEogToken(vocab.imEndId as Token)).toBe(true);
    // as plain text they are not special
    expect(chatModel.tokenize('<|im_end|>', false)).not.toContain(vocab.imEndId);
  });

  it('resolve to the ChatML chat wrapper (not a Jinja or general fallback)', () => {
    const wrapper = resolveChatWrapper(chatModel);
    expect(wrapper).toBeInstanceOf(ChatMLChatWrapper);
    expect(wrapper.wrapperName).toBe('ChatML');
    expect(consoleWarnings).toEqual([]);
  });

  it('generate deterministically at temperature 0', async () => {
    const mark = logs.length;
    const first = await chatOnce();
    const second = await chatOnce();
    expect(first.length).toBeGreaterThan(0);
    expect(second).toBe(first);
    expect(problemsSince(mark)).toEqual([]);
  });

  it('produce embeddings of the model dimension, deterministic and input-dependent', async () => {
    const mark = logs.length;
    const context = await embeddingModel.createEmbeddingContext({ contextSize: 512 });
    try {
      const a1 = await context.getEmbeddingFor('The quick brown fox jumps over the lazy dog.');
      const a2 = await context.getEmbeddingFor('The quick brown fox jumps over the lazy dog.');
      const b = await context.getEmbeddingFor('مرحبا بالعالم [1]');
      expect(embeddingModel.embeddingVectorSize).toBe(64);
      expect(a1.vector).toHaveLength(64);
      expect(b.vector).toHaveLength(64);
      expect(a1.vector.every((v) => Number.isFinite(v))).toBe(true);
      expect(a2.vector).toEqual(a1.vector);
      expect(b.vector).not.toEqual(a1.vector);
      expect(a1.calculateCosineSimilarity(b)).toBeLessThan(0.9999);
    } finally {
      await context.dispose();
    }
    expect(problemsSince(mark)).toEqual([]);
  });

  it('apply the matching LoRA: scale 1 changes the next-token distribution, scale 0 changes nothing', async () => {
    const mark = logs.length;
    const base = await nextTokenProbabilities(chatModel);
    const withLora = await nextTokenProbabilities(chatModel, { filePath: paths.loraMatching, scale: 1 });
    const zeroScale = await nextTokenProbabilities(chatModel, { filePath: paths.loraMatching, scale: 0 });
    expect(problemsSince(mark)).toEqual([]);

    // Next-token probabilities (node-llama-cpp 3.21 exposes these rather than raw logits).
    expect(maxAbsDiff(base, withLora)).toBeGreaterThan(0.01);
    expect(maxAbsDiff(base, zeroScale)).toBeLessThan(1e-6);

    const baseText = await chatOnce();
    const loraText = await chatOnce({ filePath: paths.loraMatching, scale: 1 });
    const zeroText = await chatOnce({ filePath: paths.loraMatching, scale: 0 });
    expect(loraText).not.toBe(baseText);
    expect(zeroText).toBe(baseText);
    expect(problemsSince(mark)).toEqual([]);
  });

  it('reject a LoRA built for other dimensions', async () => {
    const mark = logs.length;
    const err = await loraLoadError(paths.loraWrongDimensions);
    expect(err.message).toContain('Failed to initialize LoRA adapter');
    // node-llama-cpp's error only names the file; llama.cpp states the reason in its log
    // (The logging function's name differs between llama.cpp versions; the reason does not.)
    const problems = problemsSince(mark);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[error\] llama_adapter_lora_init\w*: failed to apply lora adapter: tensor 'blk\.0\.attn_q\.weight' has incorrect shape/);
  });

  it('reject a LoRA declaring another architecture', async () => {
    const mark = logs.length;
    const err = await loraLoadError(paths.loraWrongArchitecture);
    expect(err.message).toContain('Failed to initialize LoRA adapter');
    const problems = problemsSince(mark);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\[error\] llama_adapter_lora_init\w*: failed to apply lora adapter: model arch and LoRA arch mismatch$/);
    // the model is still usable afterwards
    expect((await chatOnce()).length).toBeGreaterThan(0);
  });
});

describe('generator options', { timeout: 60_000 }, () => {
  it('writes embedding models of a configurable dimension and F16 variants that load cleanly', async () => {
    scratchDir = mkdtempSync(join(tmpdir(), 'docent-gguf-'));
    const emb32 = join(scratchDir, 'emb32.gguf');
    const chatF16 = join(scratchDir, 'chat-f16.gguf');
    writeEmbeddingModel(emb32, { dimensions: 32, seed: 7 });
    writeChatModel(chatF16, { weightType: 'F16', seed: 1 });

    const mark = logs.length;
    const model = await llama.loadModel({ modelPath: emb32 });
    const f16 = await llama.loadModel({ modelPath: chatF16 });
    try {
      const context = await model.createEmbeddingContext({ contextSize: 256 });
      const embedding = await context.getEmbeddingFor('hello world');
      await context.dispose();
      expect(embedding.vector).toHaveLength(32);

      // Same seed, so the F16 model is the F32 chat model rounded to half precision.
      const f32Logits = await nextTokenProbabilities(chatModel);
      const f16Logits = await nextTokenProbabilities(f16);
      const diff = maxAbsDiff(f32Logits, f16Logits);
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(0.05);
    } finally {
      await model.dispose();
      await f16.dispose();
    }
    expect(problemsSince(mark)).toEqual([]);
  });

  it("writes the embedding model as plain 'llama' too, with the same vectors (only the unused LM head differs)", async () => {
    scratchDir ??= mkdtempSync(join(tmpdir(), 'docent-gguf-'));
    const asLlama = join(scratchDir, 'emb-llama.gguf');
    writeEmbeddingModel(asLlama, { seed: 2, architecture: 'llama' });
    const mark = logs.length;
    const model = await llama.loadModel({ modelPath: asLlama });
    try {
      const [plain, embed] = await Promise.all([
        model.createEmbeddingContext({ contextSize: 256 }),
        embeddingModel.createEmbeddingContext({ contextSize: 256 }),
      ]);
      const text = 'Stetige Abbildungen kompakter Räume';
      const a = (await plain.getEmbeddingFor(text)).vector;
      const b = (await embed.getEmbeddingFor(text)).vector;
      await Promise.all([plain.dispose(), embed.dispose()]);
      expect(b).toHaveLength(a.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
    expect(problemsSince(mark)).toEqual([]);
  });
});

/** Reads a dotted GGUF metadata key from node-llama-cpp's nested metadata object. */
function metadataAt(metadata: unknown, key: string): unknown {
  let node: unknown = metadata;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

interface LoraRef {
  filePath: string;
  scale: number;
}

async function chatOnce(lora?: LoraRef): Promise<string> {
  const context = await chatModel.createContext({
    contextSize: 512,
    ...(lora ? { lora: { adapters: [lora] } } : {}),
  });
  try {
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
    return await session.prompt('What does the document say about water? Cite the page like [1].', {
      temperature: 0,
      maxTokens: 16,
    });
  } finally {
    await context.dispose();
  }
}

async function nextTokenProbabilities(model: LlamaModel, lora?: LoraRef): Promise<Map<Token, number>> {
  const context = await model.createContext({
    contextSize: 256,
    ...(lora ? { lora: { adapters: [lora] } } : {}),
  });
  try {
    const sequence = context.getSequence();
    const bos = model.tokens.bos;
    const tokens = [...(bos === null ? [] : [bos]), ...model.tokenize('According to the document, the answer is')];
    const last = tokens.pop();
    if (last === undefined) throw new Error('no tokens');
    const results = await sequence.controlledEvaluate([...tokens, [last, { generateNext: { probabilities: true } }]]);
    const probabilities = results.at(-1)?.next.probabilities;
    if (!probabilities) throw new Error('no probabilities returned');
    return probabilities;
  } finally {
    await context.dispose();
  }
}

function maxAbsDiff(a: Map<Token, number>, b: Map<Token, number>): number {
  expect(a.size).toBe(b.size);
  let max = 0;
  for (const [token, value] of a) {
    const other = b.get(token);
    if (other === undefined) return Infinity;
    max = Math.max(max, Math.abs(value - other));
  }
  return max;
}

async function loraLoadError(filePath: string): Promise<Error> {
  let caught: unknown;
  try {
    const context = await chatModel.createContext({ contextSize: 256, lora: { adapters: [{ filePath, scale: 1 }] } });
    await context.dispose();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(Error);
  return caught as Error;
}
