/**
 * An upper bound on a text's tokens that needs no tokenizer: every token of a BPE or
 * SentencePiece vocabulary covers at least one UTF-8 byte, plus one for a leading-space marker.
 */
export function tokenBound(text: string): number {
  return Buffer.byteLength(text, 'utf8') + 1;
}
