import type { SearchHit } from '../../../preload/contract/index.js';
import { contentWords } from './verify.js';

/**
 * Whether the library covers a question, decided before anything is generated.
 *
 * Covered when a retrieved passage holds at least `minKeywordCoverage` of the question's content
 * words, or when its embedding is at least `minVectorSimilarity` (cosine) from the question's.
 * Calibration: with the fixture embedding model, questions about things no document mentions
 * scored at most 0.61 cosine against every passage (bench/ and tests measure this), so 0.80 keeps
 * them out; the keyword rule is model-independent. Both are settings (CoreOptions.coverage).
 */
export interface CoverageSettings {
  minKeywordCoverage: number;
  minVectorSimilarity: number;
}

export const DEFAULT_COVERAGE: CoverageSettings = { minKeywordCoverage: 0.5, minVectorSimilarity: 0.8 };

export function keywordCoverage(question: string, passage: string): number {
  const wanted = contentWords(question);
  if (wanted.size === 0) return 0;
  const present = contentWords(passage);
  let found = 0;
  for (const word of wanted) if (present.has(word)) found++;
  return found / wanted.size;
}

export function isCovered(question: string, hits: readonly SearchHit[], settings: CoverageSettings): boolean {
  return hits.some(
    (hit) =>
      keywordCoverage(question, hit.text) >= settings.minKeywordCoverage ||
      (hit.vectorScore ?? -1) >= settings.minVectorSimilarity,
  );
}
