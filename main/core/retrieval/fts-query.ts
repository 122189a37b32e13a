/**
 * What a person typed becomes an FTS5 query of quoted words joined by OR: punctuation or FTS5
 * operators in the input can never be a syntax error, and BM25 ranks chunks that hold more of
 * the words first.
 */

/** The distinct words of a query, lower-cased, at most 32. */
export function queryTerms(input: string): string[] {
  const terms = input.match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(terms.map((t) => t.toLowerCase()))].slice(0, 32);
}

export const PRUNE_FROM_CHUNKS = 1000;

/**
 * Drops terms found in more than `maxShare` of all chunks: scoring their huge posting lists is
 * what makes an OR query slow, and BM25 gives them almost no weight anyway. When every term is
 * that common, the rarest one stays if it is in at most `fallbackShare` of chunks; otherwise the
 * query has no keyword signal and the vector leg answers alone. Terms the index has never seen
 * (count 0, or spelled differently by its tokenizer) are rare by definition and stay.
 * Libraries under PRUNE_FROM_CHUNKS chunks keep every term.
 */
export function pruneCommonTerms(
  terms: readonly string[],
  documentCount: (term: string) => number,
  total: number,
  maxShare = 0.05,
  fallbackShare = 0.2,
): string[] {
  // Small libraries search fast anyway, and their shares say little about a word.
  if (total < PRUNE_FROM_CHUNKS) return [...terms];
  const counted = terms.map((term) => ({ term, count: documentCount(term) })).sort((a, b) => a.count - b.count);
  const rare = counted.filter((t) => t.count <= maxShare * total);
  if (rare.length > 0) return rare.map((t) => t.term);
  const rarest = counted[0];
  return rarest && rarest.count <= fallbackShare * total ? [rarest.term] : [];
}
