import type { Source } from '../../../preload/contract/index.js';
import { tokenBound } from '../llm/tokens.js';

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
 *
 * Tokenizing costs time on the way to the first token (about 2 ms for a 2,500-token prompt), so
 * it is done only where it decides something: every piece starts at its `tokenBound`, and the
 * largest pieces are counted exactly until everything is known to fit. Only when it still does
 * not fit are pieces chosen one by one on exact counts. `promptTokens` is counted when first read.
 */
export function buildPrompt(question: string, ranked: readonly Omit<Source, 'n'>[], history: readonly Turn[], budget: PromptBudget): Prompt {
  const available = budget.contextTokens - budget.answerTokens;
  const exact = new Map<string, number>();
  const count = (text: string) => {
    let n = exact.get(text);
    if (n === undefined) exact.set(text, (n = budget.countTokens(text)));
    return n;
  };
  const all = ranked.map((candidate, i) => ({ ...candidate, n: i + 1 }));
  const rendered = all.map(renderSource);
  // Every piece of the prompt with the tokens the template adds around it.
  const pieces = [
    { text: INSTRUCTIONS, extra: PER_MESSAGE_OVERHEAD },
    { text: question, extra: 2 * PER_MESSAGE_OVERHEAD },
    ...rendered.map((text) => ({ text, extra: 2 })),
    ...history.map((turn) => ({ text: turn.text, extra: PER_MESSAGE_OVERHEAD })),
  ].map((piece) => ({ ...piece, cost: tokenBound(piece.text) + piece.extra }));
  let total = pieces.reduce((sum, p) => sum + p.cost, 0);
  for (const piece of [...pieces].sort((a, b) => b.cost - a.cost)) {
    if (total <= available) break;
    const cost = count(piece.text) + piece.extra;
    total -= piece.cost - cost;
    piece.cost = cost;
  }
  if (total <= available) {
    let counted: number | undefined;
    return {
      system: systemText(rendered),
      history: [...history],
      sources: all,
      get promptTokens() {
        return (counted ??= pieces.reduce((sum, p) => sum + count(p.text) + p.extra, 0));
      },
    };
  }

  let used = count(INSTRUCTIONS) + count(question) + 3 * PER_MESSAGE_OVERHEAD;
  const chosen: Source[] = [];
  const chosenTexts: string[] = [];
  for (const candidate of ranked) {
    const source = { ...candidate, n: chosen.length + 1 };
    const text = renderSource(source);
    const cost = count(text) + 2;
    if (used + cost > available) break;
    chosen.push(source);
    chosenTexts.push(text);
    used += cost;
  }
  const kept: Turn[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    const cost = count(turn.text) + PER_MESSAGE_OVERHEAD;
    if (used + cost > available) break;
    kept.unshift(turn);
    used += cost;
  }
  // An answer whose question did not fit would read as the model speaking first.
  while (kept[0]?.role === 'assistant') used -= count(kept.shift()!.text) + PER_MESSAGE_OVERHEAD;
  return { system: systemText(chosenTexts), history: kept, sources: chosen, promptTokens: used };
}

/** The instructions and the rendered sources (in rank order), placed edges first. */
function systemText(rendered: readonly string[]): string {
  return `${INSTRUCTIONS}\n\nSources:\n\n${edgesFirst(rendered).join('\n\n')}`;
}
