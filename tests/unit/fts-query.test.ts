import { describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../main/core/retrieval/fts-query.js';

describe('toFtsQuery', () => {
  it('quotes every word and ORs them, so operators and punctuation are harmless', () => {
    expect(toFtsQuery('What did "NEAR" AND (x) say?')).toBe('"what" OR "did" OR "near" OR "and" OR "x" OR "say"');
  });
  it('keeps letters of any script and drops duplicates', () => {
    expect(toFtsQuery('Straße straße حبيبي 2019')).toBe('"straße" OR "حبيبي" OR "2019"');
  });
  it('returns null when there is nothing to search for', () => {
    expect(toFtsQuery('?! -- ...')).toBeNull();
  });
});
