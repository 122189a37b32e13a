/**
 * Splits page text into chunks that follow its structure: paragraphs first, then sentences,
 * then (only for a sentence longer than a chunk) words. Sizes are in tokens of the embedding
 * model. Consecutive chunks inside one paragraph overlap by up to `overlapTokens`.
 */

export interface ChunkOptions {
  maxTokens: number;
  overlapTokens: number;
}

export interface ChunkSpan {
  start: number;
  end: number;
  tokens: number;
}

interface Unit extends ChunkSpan {
  paragraph: number;
}

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

function trimmedSpan(text: string, start: number, end: number): [number, number] | null {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end > start ? [start, end] : null;
}

function paragraphs(text: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /\n\s*\n/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const span = trimmedSpan(text, last, m.index);
    if (span) out.push(span);
    last = m.index + m[0].length;
  }
  const span = trimmedSpan(text, last, text.length);
  if (span) out.push(span);
  return out;
}

/** Cuts an over-long sentence at word boundaries into pieces of at most maxTokens. */
function splitLong(text: string, start: number, end: number, count: (s: string) => number, maxTokens: number): ChunkSpan[] {
  const words: [number, number][] = [];
  const re = /\S+/g;
  const slice = text.slice(start, end);
  for (let m = re.exec(slice); m; m = re.exec(slice)) words.push([start + m.index, start + m.index + m[0].length]);
  const out: ChunkSpan[] = [];
  let from = 0;
  while (from < words.length) {
    // Grow the piece word by word; a single word longer than a chunk stands alone.
    let to = from + 1;
    let tokens = count(text.slice(words[from]![0], words[from]![1]));
    while (to < words.length) {
      const next = count(text.slice(words[from]![0], words[to]![1]));
      if (next > maxTokens) break;
      tokens = next;
      to++;
    }
    out.push({ start: words[from]![0], end: words[to - 1]![1], tokens });
    from = to;
  }
  return out;
}

function units(text: string, count: (s: string) => number, maxTokens: number): Unit[] {
  const out: Unit[] = [];
  paragraphs(text).forEach(([pStart, pEnd], paragraph) => {
    for (const segment of sentenceSegmenter.segment(text.slice(pStart, pEnd))) {
      const span = trimmedSpan(text, pStart + segment.index, pStart + segment.index + segment.segment.length);
      if (!span) continue;
      const tokens = count(text.slice(span[0], span[1]));
      if (tokens <= maxTokens) out.push({ start: span[0], end: span[1], tokens, paragraph });
      else for (const piece of splitLong(text, span[0], span[1], count, maxTokens)) out.push({ ...piece, paragraph });
    }
  });
  return out;
}

export function chunkText(text: string, count: (s: string) => number, options: ChunkOptions): ChunkSpan[] {
  const { maxTokens, overlapTokens } = options;
  const all = units(text, count, maxTokens);
  const chunks: ChunkSpan[] = [];
  let current: Unit[] = [];
  let tokens = 0;

  const emit = () => {
    if (current.length === 0) return;
    chunks.push({ start: current[0]!.start, end: current.at(-1)!.end, tokens });
  };

  for (let i = 0; i < all.length; i++) {
    const unit = all[i]!;
    const newParagraph = current.length > 0 && unit.paragraph !== current.at(-1)!.paragraph;
    // Prefer to break between paragraphs once a chunk is half full and the next paragraph won't fit.
    const paragraphTokens = newParagraph
      ? all.slice(i).filter((u) => u.paragraph === unit.paragraph).reduce((sum, u) => sum + u.tokens, 0)
      : 0;
    const breakAtParagraph = newParagraph && tokens >= maxTokens / 2 && tokens + paragraphTokens > maxTokens;
    if (current.length > 0 && (tokens + unit.tokens > maxTokens || breakAtParagraph)) {
      emit();
      // Carry trailing sentences of the same paragraph into the next chunk as overlap.
      const carried: Unit[] = [];
      let carriedTokens = 0;
      if (!newParagraph) {
        for (let j = current.length - 1; j > 0; j--) {
          const u = current[j]!;
          if (u.paragraph !== unit.paragraph || carriedTokens + u.tokens > overlapTokens) break;
          if (carriedTokens + u.tokens + unit.tokens > maxTokens) break;
          carried.unshift(u);
          carriedTokens += u.tokens;
        }
      }
      current = carried;
      tokens = carriedTokens;
    }
    current.push(unit);
    tokens += unit.tokens;
  }
  emit();
  return chunks;
}
