import { describe, expect, it } from 'vitest';
import { chunkText } from '../../main/core/ingest/chunker.js';

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

function sentences(prefix: string, n: number, length = 8): string {
  // Capitalised: ICU does not end a sentence at a period followed by a lower-case word.
  return Array.from({ length: n }, (_, i) => `${prefix.toUpperCase()}${i} ${'word '.repeat(length - 2)}end.`).join(' ');
}

describe('chunkText', () => {
  it('keeps every chunk within the token limit and its span exact', () => {
    const text = [sentences('a', 20), sentences('b', 3), sentences('c', 30)].join('\n\n');
    const chunks = chunkText(text, words, { maxTokens: 40, overlapTokens: 10 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(40);
      expect(words(text.slice(chunk.start, chunk.end))).toBe(chunk.tokens);
      expect(text.slice(chunk.start, chunk.end)).toBe(text.slice(chunk.start, chunk.end).trim());
    }
    // Every sentence is in some chunk.
    for (const marker of ['A0 ', 'A19 ', 'B2 ', 'C29 ']) expect(chunks.some((c) => text.slice(c.start, c.end).includes(marker))).toBe(true);
  });

  it('breaks between paragraphs rather than inside them when it can', () => {
    const text = `${sentences('p', 3)}\n\n${sentences('q', 3)}`; // 24 tokens each
    const chunks = chunkText(text, words, { maxTokens: 30, overlapTokens: 8 });
    expect(chunks.map((c) => text.slice(c.start, c.end))).toEqual([sentences('p', 3), sentences('q', 3)]);
  });

  it('overlaps consecutive chunks inside a paragraph by whole sentences', () => {
    const text = sentences('s', 10); // 80 tokens in one paragraph
    const chunks = chunkText(text, words, { maxTokens: 32, overlapTokens: 8 });
    for (let i = 1; i < chunks.length; i++) {
      const overlap = chunks[i - 1]!.end - chunks[i]!.start;
      expect(overlap).toBeGreaterThan(0);
      expect(words(text.slice(chunks[i]!.start, chunks[i - 1]!.end))).toBeLessThanOrEqual(8);
    }
  });

  it('cuts a sentence longer than a chunk at word boundaries', () => {
    const text = `${'longword '.repeat(100)}stop.`;
    const chunks = chunkText(text, words, { maxTokens: 25, overlapTokens: 5 });
    expect(chunks.length).toBe(5);
    expect(chunks.every((c) => c.tokens <= 25)).toBe(true);
    expect(chunks.at(-1)!.end).toBe(text.length);
  });

  it('returns nothing for blank text', () => {
    expect(chunkText('  \n\n  ', words, { maxTokens: 10, overlapTokens: 2 })).toEqual([]);
  });
});
