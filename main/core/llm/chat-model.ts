import fs from 'node:fs';
import { isLockActive, withLock } from 'lifecycle-utils';
import { resolveChatWrapper, type ChatWrapper, type LlamaContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import { DEFAULT_ASK_SOURCES, type ModelStatus } from '../../../preload/contract/index.js';
import { citationGrammar } from '../chat/grammar.js';
import { DocentError, errorMessage } from '../errors.js';
import { inspectModelFile, isEmbeddingModel, tensorShapes, type ModelFileInfo } from './model-file.js';
import { backendStatus, generationThreads, getRuntime, takeLlamaErrors } from './runtime.js';

type ResolvedAdapter = { path: string; scale: number };
/** An adapter with the version of its file: one replaced on disk is another adapter. */
type AdapterFile = ResolvedAdapter & { version: string };

interface Loaded {
  info: ModelFileInfo;
  model: LlamaModel;
  /** Resolved once: resolving it (the chat template) takes milliseconds that every answer would pay. */
  chatWrapper: ChatWrapper;
  /** One context per adapter set: the base model is loaded once and shared. */
  contexts: Map<string, Promise<LlamaContext>>;
  /** Adapter files found to fit this model, by path and version: each file's header is read once, not per answer. */
  adapterChecks: Map<string, Promise<void>>;
  /**
   * The version of each adapter file llama.cpp has loaded into this model. It keeps an adapter,
   * by path, as long as the model: a file changed since needs the model loaded again.
   */
  adapterVersions: Map<string, string>;
}

const MAX_CONTEXT = 8192;
/** Contexts kept for adapter sets besides the one without adapters (see evictAdapterContexts). */
export const MAX_ADAPTER_CONTEXTS = 2;
const NO_ADAPTERS = JSON.stringify([]);

/**
 * Runs `work` while it alone generates in `context`: a context has one sequence, so answers in it
 * take turns, and it is disposed only between them.
 */
export function withGeneration<T>(context: LlamaContext, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  // An abort while it waits its turn rejects with the signal's reason.
  return signal ? withLock(generation(context), signal, work) : withLock(generation(context), work);
}

/** Whether an answer is being generated in `context` (or waits to be). */
function generating(context: LlamaContext): boolean {
  return isLockActive(generation(context));
}

function generation(context: LlamaContext) {
  return [context, 'generate'] as const;
}

/** Disposes a context once the answer being generated in it, if any, has ended. */
function disposeBetweenAnswers(context: LlamaContext): Promise<void> {
  return withGeneration(context, () => context.dispose());
}

/** Refuses what is not a chat model before llama.cpp is asked to load it. */
function checkChatModel(info: ModelFileInfo): void {
  if (info.type === 'adapter') throw new DocentError('MODEL_INVALID', `${info.name} is a LoRA adapter, not a chat model. Attach it as an adapter instead.`);
  if (isEmbeddingModel(info)) {
    throw new DocentError('MODEL_INVALID', `${info.name} is an embedding model, not a chat model.`);
  }
  if (!info.metadata['tokenizer']) throw new DocentError('MODEL_INVALID', `${info.name} has no tokenizer, so it cannot chat.`);
}

/**
 * The chat model: one loaded at a time, behind a lock, with a context per set of LoRA adapters,
 * and the citation grammars answers are generated under.
 */
export class ChatModels {
  private loaded: Loaded | null = null;
  /** By number of sources; a grammar does not depend on the model. */
  private readonly grammars = new Map<number, Promise<LlamaGrammar>>();

  constructor(
    private readonly onProgress: (path: string, progress: number) => void,
    private readonly threads = generationThreads(),
  ) {}

  get current(): Loaded | null {
    return this.loaded;
  }

  /** Loads a model, replacing the one loaded; loading the same file again is a no-op. */
  load(file: string): Promise<Loaded> {
    return withLock([this, 'model'], async () => {
      const info = await inspectModelFile(file);
      if (this.loaded?.info.path === info.path) return this.loaded;
      return this.loadNow(info);
    });
  }

  /** Loads the model `stale` holds again, unless another has replaced it meanwhile. */
  private reload(stale: Loaded): Promise<Loaded> {
    return withLock([this, 'model'], () => (this.loaded !== null && this.loaded !== stale ? Promise.resolve(this.loaded) : this.loadNow(stale.info)));
  }

  /** Under the model lock: unloads the model loaded, then loads `info`'s. */
  private async loadNow(info: ModelFileInfo): Promise<Loaded> {
    checkChatModel(info);
    await this.unloadNow();
    const llama = await getRuntime();
    try {
      const model = await llama.loadModel({
        modelPath: info.path,
        onLoadProgress: (progress) => this.onProgress(info.path, progress),
      });
      this.loaded = { info, model, chatWrapper: resolveChatWrapper(model), contexts: new Map(), adapterChecks: new Map(), adapterVersions: new Map() };
    } catch (error) {
      throw new DocentError('MODEL_INVALID', `Could not load ${info.name}: ${errorMessage(error)}`);
    }
    // The context without adapters, and the grammar for the usual number of sources, are part of
    // a loaded model, so the first answer does not wait for them.
    try {
      await this.context([]);
      await this.grammar(DEFAULT_ASK_SOURCES);
    } catch (error) {
      await this.unloadNow();
      throw error;
    }
    return this.loaded!;
  }

  /**
   * The context for this adapter set, created on first use. An adapter at scale 0 changes nothing
   * and gets no context of its own, but its file is checked like any other.
   */
  async context(adapters: readonly ResolvedAdapter[]): Promise<LlamaContext> {
    let loaded = this.loaded;
    if (!loaded) throw new DocentError('MODEL_NOT_FOUND', 'No chat model is loaded.');
    const files = adapters.map((adapter): AdapterFile => ({ ...adapter, version: fileVersion(adapter.path) }));
    const changed = (a: AdapterFile) => a.scale > 0 && a.version !== 'missing' && (loaded!.adapterVersions.get(a.path) ?? a.version) !== a.version;
    // Replaced on disk (a new training run, say) after llama.cpp loaded it: seconds to reload, once.
    if (files.some(changed)) loaded = await this.reload(loaded);
    for (const adapter of files) if (adapter.scale === 0) await checkAdapterOnce(loaded, adapter);
    const active = files.filter((a) => a.scale > 0);
    const key = JSON.stringify(active.map((a) => [a.path, a.version, a.scale]));
    const context = loaded.contexts.get(key);
    if (context) {
      // Most recently used last.
      loaded.contexts.delete(key);
      loaded.contexts.set(key, context);
      return context;
    }
    if (active.length > 0) await this.evictAdapterContexts(loaded);
    // The eviction may have waited: another call may have created this context meanwhile.
    return remembered(loaded.contexts, key, () => this.createContext(loaded, active));
  }

  /**
   * Frees the least recently used adapter contexts so that, with the one about to be made, at most
   * MAX_ADAPTER_CONTEXTS remain; the context without adapters stays. Each holds a KV cache as
   * large as the base model's, so trying scales must not pile them up. One still generating is
   * freed once its answer ends; one that is idle is freed before this returns, so its memory is
   * back before another context is made.
   */
  private async evictAdapterContexts(loaded: Loaded): Promise<void> {
    const adapterKeys = [...loaded.contexts.keys()].filter((key) => key !== NO_ADAPTERS);
    const freed: Promise<void>[] = [];
    for (const key of adapterKeys.slice(0, Math.max(0, adapterKeys.length - (MAX_ADAPTER_CONTEXTS - 1)))) {
      const ready = loaded.contexts.get(key)!;
      loaded.contexts.delete(key);
      const context = await ready.catch(() => null);
      if (!context) continue;
      const busy = generating(context);
      const disposed = disposeBetweenAnswers(context);
      if (!busy) freed.push(disposed);
    }
    await Promise.all(freed);
  }

  /** The grammar that admits citation markers [1] .. [sourceCount] and no others. */
  grammar(sourceCount: number): Promise<LlamaGrammar> {
    return remembered(this.grammars, sourceCount, () => getRuntime().then((llama) => llama.createGrammar({ grammar: citationGrammar(sourceCount) })));
  }

  private async createContext(loaded: Loaded, adapters: AdapterFile[]): Promise<LlamaContext> {
    for (const adapter of adapters) await checkAdapterOnce(loaded, adapter);
    takeLlamaErrors();
    try {
      // Recorded first: a context that fails may still have loaded some of them.
      for (const adapter of adapters) loaded.adapterVersions.set(adapter.path, adapter.version);
      return await loaded.model.createContext({
        contextSize: { min: 512, max: Math.min(loaded.model.trainContextSize || MAX_CONTEXT, MAX_CONTEXT) },
        threads: this.threads,
        ...(adapters.length ? { lora: { adapters: adapters.map((a) => ({ filePath: a.path, scale: a.scale })) } } : {}),
      });
    } catch (error) {
      const why = takeLlamaErrors().find((line) => /lora|adapter/i.test(line));
      if (adapters.length) {
        throw new DocentError('ADAPTER_MISMATCH', `The adapter does not fit ${loaded.info.name}: ${why?.replace(/^.*?: /, '') ?? errorMessage(error)}`);
      }
      throw new DocentError('MODEL_INVALID', `Could not create a context for ${loaded.info.name}: ${errorMessage(error)}`);
    }
  }

  async status(): Promise<ModelStatus> {
    const backend = await backendStatus();
    const loaded = this.loaded;
    const contexts = loaded ? await Promise.all([...loaded.contexts.values()].map((c) => c.catch(() => null))) : [];
    return {
      chatModel: loaded
        ? { path: loaded.info.path, name: loaded.info.name, contextSize: contexts.find((c) => c)?.contextSize ?? null }
        : null,
      ...backend,
    };
  }

  dispose(): Promise<void> {
    return withLock([this, 'model'], () => this.unloadNow());
  }

  /** Answers being generated finish first: each context is disposed under its generation lock. */
  private async unloadNow(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    if (!loaded) return;
    for (const ready of loaded.contexts.values()) {
      const context = await ready.catch(() => null);
      if (context) await disposeBetweenAnswers(context);
    }
    await loaded.model.dispose();
  }
}

/** `checkAdapter`, remembered per file version while the model is loaded; a refusal is not, so a fixed file is read again. */
function checkAdapterOnce(loaded: Loaded, adapter: AdapterFile): Promise<void> {
  return remembered(loaded.adapterChecks, `${adapter.path}\n${adapter.version}`, () => checkAdapter(adapter.path, loaded));
}

/** Size and modification time: what changes when a new adapter is trained into the same file. */
function fileVersion(file: string): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return stat ? `${stat.size}:${stat.mtimeMs}` : 'missing';
}

/** What `map` holds for `key`, made by `make` the first time; a failure is forgotten, so the next call tries again. */
function remembered<K, V>(map: Map<K, Promise<V>>, key: K, make: () => Promise<V>): Promise<V> {
  const known = map.get(key);
  if (known) return known;
  const made = make();
  map.set(key, made);
  made.catch(() => map.get(key) === made && map.delete(key));
  return made;
}

async function checkAdapter(file: string, loaded: Loaded): Promise<void> {
  const model = loaded.info;
  let info: ModelFileInfo;
  try {
    info = await inspectModelFile(file, { tensors: true });
  } catch (error) {
    if (error instanceof DocentError) throw new DocentError(error.code === 'MODEL_NOT_FOUND' ? 'MODEL_NOT_FOUND' : 'ADAPTER_MISMATCH', error.message);
    throw error;
  }
  if (info.type !== 'adapter') throw new DocentError('ADAPTER_MISMATCH', `${info.name} is not a LoRA adapter.`);
  if (info.architecture !== model.architecture) {
    throw new DocentError(
      'ADAPTER_MISMATCH',
      `The adapter ${info.name} was made for the ${info.architecture} architecture; ${model.name} is ${model.architecture}.`,
    );
  }
  checkAdapterShapes(info, tensorShapes(loaded.model.fileInfo.fullTensorInfo), model.name);
}

/**
 * Each pair of LoRA matrices must fit the weight it adapts, as llama.cpp requires when it loads
 * them (llama-adapter.cpp): for a weight of n_in × n_out, A is n_in × r and B is r × n_out; for
 * the token embedding, A and B are flipped. Checked from the file's header, so an adapter at
 * scale 0, which llama.cpp never loads, is refused like any other.
 */
function checkAdapterShapes(adapter: ModelFileInfo, base: ReadonlyMap<string, number[]>, modelName: string): void {
  const lora = adapter.tensors ?? new Map<string, number[]>();
  const targets = new Set([...lora.keys()].flatMap((name) => (/\.lora_[ab]$/.test(name) ? [name.slice(0, -'.lora_a'.length)] : [])));
  const mismatch = (why: string) => new DocentError('ADAPTER_MISMATCH', `The adapter ${adapter.name} does not fit ${modelName}: ${why}`);
  for (const target of targets) {
    const weight = base.get(target);
    const a = lora.get(`${target}.lora_a`);
    const b = lora.get(`${target}.lora_b`);
    if (!weight) throw mismatch(`it adapts ${target}, which the model does not have.`);
    if (!a || !b) throw mismatch(`its ${target} has only one of the two LoRA matrices.`);
    const fits = target === 'token_embd.weight' ? weight[0] === b[1] && weight[1] === a[1] : weight[0] === a[0] && weight[1] === b[1] && a[1] === b[0];
    if (!fits) throw mismatch(`${target} is ${weight.join(' × ')}, the adapter's matrices are ${a.join(' × ')} and ${b.join(' × ')}.`);
  }
}
