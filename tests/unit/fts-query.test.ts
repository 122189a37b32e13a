import { describe, expect, it } from 'vitest';
import { pruneCommonTerms, queryTerms } from '../../main/core/retrieval/fts-query.js';

describe('queryTerms', () => {
  it('keeps only words, so operators and punctuation are harmless', () => {
    expect(queryTerms('What did "NEAR" AND (x) say?')).toEqual(['what', 'did', 'near', 'and', 'x', 'say']);
  });
  it('keeps letters of any script and drops duplicates', () => {
    expect(queryTerms('Straße straße حبيبي 2019')).toEqual(['straße', 'حبيبي', '2019']);
  });
  it('finds nothing to search for in punctuation', () => {
    expect(queryTerms('?! -- ...')).toEqual([]);
  });
});

describe('pruneCommonTerms', () => {
  const counts: Record<string, number> = { the: 900, what: 700, organ: 3, pipes: 12, cathedral: 0 };
  const count = (t: string) => counts[t] ?? 0;
  it('drops terms found in more than 5% of chunks, rarest first', () => {
    expect(pruneCommonTerms(['what', 'the', 'organ', 'pipes', 'cathedral'], count, 1000)).toEqual(['cathedral', 'organ', 'pipes']);
    expect(pruneCommonTerms(['what', 'the', 'organ'], count, 1000)).toEqual(['organ']);
  });
  it('keeps every term in a small library', () => {
    expect(pruneCommonTerms(['what', 'the', 'organ'], count, 999)).toEqual(['what', 'the', 'organ']);
  });

  it('falls back to the rarest term while it is in at most 20% of chunks, else to no keyword leg', () => {
    expect(pruneCommonTerms(['what', 'the'], count, 5000)).toEqual(['what']);
    expect(pruneCommonTerms(['what', 'the'], count, 1000)).toEqual([]);
  });
});
