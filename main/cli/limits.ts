import { AdapterRef, AskRequest, QUESTION_MAX_CHARACTERS, SearchRequest, TITLE_MAX_CHARACTERS } from '../../preload/contract/index.js';

/**
 * The limits the contract's schemas set, read from them (lengths: the contract's constants, which
 * its schemas check in characters) so that the command line checks options (and its help states
 * them) with the same numbers the core validates against.
 */
export const LIMITS = {
  k: bounds(SearchRequest.shape.k.unwrap()),
  maxTokens: bounds(AskRequest.shape.maxTokens.unwrap()),
  adapterScale: bounds(AdapterRef.shape.scale.unwrap()),
  temperature: bounds(AskRequest.shape.temperature.unwrap()),
  questionLength: QUESTION_MAX_CHARACTERS,
  titleLength: TITLE_MAX_CHARACTERS,
};

function bounds(schema: { minValue: number | null; maxValue: number | null }): { min: number; max: number } {
  return { min: schema.minValue ?? -Infinity, max: schema.maxValue ?? Infinity };
}
