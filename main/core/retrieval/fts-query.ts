/**
 * Turns what a person typed into an FTS5 query: every word becomes a quoted term and terms
 * are OR-ed, so punctuation or FTS5 operators in the input can never be a syntax error, and
 * BM25 ranks chunks that contain more of the words first.
 */
export function toFtsQuery(input: string): string | null {
  const terms = input.match(/[\p{L}\p{N}]+/gu);
  if (!terms) return null;
  const unique = [...new Set(terms.map((t) => t.toLowerCase()))].slice(0, 32);
  return unique.map((t) => `"${t}"`).join(' OR ');
}
