import type { SearchHit } from '../../../preload/contract/index.js';
import { contentWords, shareFound } from './verify.js';

/**
 * Whether the library covers a question, decided before anything is generated.
 *
 * Covered when a retrieved passage holds at least `minKeywordCoverage` of the question's content
 * words, or when its embedding is at least `minVectorSimilarity` (cosine) from the question's.
 * The keyword rule decides with the test models: the fixture embedding model's similarities do not
 * separate relevant questions (best passage 0.04-0.36 over Known Facts) from unrelated ones
 * (0.13-0.44), so its vectors never reach 0.80. 0.80 is a conservative guess for real embedding
 * models, which cannot be obtained on our build machines to calibrate it. Both are settings
 * (CoreOptions.coverage).
 */
export interface CoverageSettings {
  minKeywordCoverage: number;
  minVectorSimilarity: number;
}

export const DEFAULT_COVERAGE: CoverageSettings = { minKeywordCoverage: 0.5, minVectorSimilarity: 0.8 };

export function isCovered(question: string, hits: readonly SearchHit[], settings: CoverageSettings): boolean {
  // The similarity is already known; reading the passages' words is not, so it comes second.
  if (hits.some((hit) => (hit.vectorScore ?? -1) >= settings.minVectorSimilarity)) return true;
  const words = contentWords(question);
  return hits.some((hit) => shareFound(words, hit.text) >= settings.minKeywordCoverage);
}
