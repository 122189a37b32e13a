import type { Source } from '../../../preload/contract/index.js';

export interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

export interface PromptBudget {
  contextTokens: number;
  answerTokens: number;
  countTokens: (text: string) => number;
}

export interface Prompt {
  system: string;
  history: Turn[];
  /** The sources the prompt holds, numbered as the model sees them. */
  sources: Source[];
  promptTokens: number;
}

/** Tokens a chat template adds around each message; a safe over-estimate. */
const PER_MESSAGE_OVERHEAD = 12;

const INSTRUCTIONS =
  'You are Docent. Answer the question using only the numbered sources below. ' +
  'After each sentence that uses a source, cite it with its number in square brackets, like [1]. ' +
  'Cite only the sources listed. If the sources do not answer the question, say that the documents do not cover it.';

export function renderSource(source: Source): string {
  return `[${source.n}] ${source.title}, p. ${source.page}:\n${source.text.replace(/\s+/g, ' ').trim()}`;
}

/**
 * Orders passages so the strongest sit at the edges of the list, where models attend best,
 * and the weakest in the middle: ranks 1, 3, 5, ... then ..., 6, 4, 2.
 */
export function edgesFirst<T>(ranked: readonly T[]): T[] {
  const front: T[] = [];
  const back: T[] = [];
  ranked.forEach((item, i) => (i % 2 === 0 ? front.push(item) : back.unshift(item)));
  return [...front, ...back];
}

/**
 * Builds the prompt within the context budget: the instructions and question always; then as
 * many sources as fit, strongest first; then as much recent conversation as still fits.
 */
export function buildPrompt(question: string, ranked: readonly Omit<Source, 'n'>[], history: readonly Turn[], budget: PromptBudget): Prompt {
  const available = budget.contextTokens - budget.answerTokens;
  let used = budget.countTokens(INSTRUCTIONS) + budget.countTokens(question) + 3 * PER_MESSAGE_OVERHEAD;
  const chosen: Source[] = [];
  for (const candidate of ranked) {
    const source = { ...candidate, n: chosen.length + 1 };
    const cost = budget.countTokens(renderSource(source)) + 2;
    if (used + cost > available) break;
    chosen.push(source);
    used += cost;
  }
  const kept: Turn[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    const cost = budget.countTokens(turn.text) + PER_MESSAGE_OVERHEAD;
    if (used + cost > available) break;
    kept.unshift(turn);
    used += cost;
  }
  const system = `${INSTRUCTIONS}\n\nSources:\n\n${edgesFirst(chosen).map(renderSource).join('\n\n')}`;
  return { system, history: kept, sources: chosen, promptTokens: used };
}
