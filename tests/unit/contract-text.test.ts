import { describe, expect, it } from 'vitest';
import { characterCount, firstCharacters } from '../../preload/contract/index.js';

describe('lengths in characters', () => {
  it('count code points, so an emoji is one character and not two', () => {
    expect(characterCount('abc')).toBe(3);
    expect(characterCount('🎼🎼')).toBe(2);
    expect('🎼🎼'.length).toBe(4);
    expect(characterCount('')).toBe(0);
  });

  it('cut between characters, never inside a surrogate pair', () => {
    expect(firstCharacters('a🎼b🎼', 2)).toBe('a🎼');
    expect(firstCharacters('a🎼b🎼', 3)).toBe('a🎼b');
    expect(firstCharacters('🎼'.repeat(5), 3)).toBe('🎼🎼🎼');
    expect(firstCharacters('short', 80)).toBe('short');
    expect(firstCharacters('abc', 0)).toBe('');
  });
});
