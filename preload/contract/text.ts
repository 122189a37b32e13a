/**
 * Lengths as people count characters: in Unicode code points, so that an emoji or a CJK
 * extension character is one, not the two UTF-16 units `String.length` counts. Every door
 * checks and cuts text with these, so the limits read the same in the window and the terminal,
 * and a cut never splits a character into half a surrogate pair.
 */
export function characterCount(text: string): number {
  return [...text].length;
}

/** The first `max` characters of `text` (all of it if it is not longer). */
export function firstCharacters(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  let count = 0;
  for (const character of text) {
    if (count === max) break;
    end += character.length;
    count++;
  }
  return text.slice(0, end);
}

/** Questions and conversation titles, in characters. */
export const QUESTION_MAX_CHARACTERS = 4000;
export const TITLE_MAX_CHARACTERS = 200;
