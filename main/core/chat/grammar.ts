/**
 * A GBNF grammar for answers with n sources: any text, where "[" may only open a citation
 * marker naming a source that is in the prompt ("[1]" .. "[n]"). Generation under it cannot
 * produce a marker that points anywhere else.
 */
export function citationGrammar(sourceCount: number): string {
  if (!Number.isInteger(sourceCount) || sourceCount < 1) throw new Error('A citation grammar needs at least one source.');
  const numbers = Array.from({ length: sourceCount }, (_, i) => `"${i + 1}"`).join(' | ');
  return [
    'root ::= piece*',
    'piece ::= plain | citation',
    'plain ::= [^\\[]',
    `citation ::= "[" (${numbers}) "]"`,
  ].join('\n');
}

/** The citation markers in an answer, with the offset of each. */
export function findMarkers(answer: string): { n: number; index: number }[] {
  return [...answer.matchAll(/\[(\d+)\]/g)].map((m) => ({ n: Number(m[1]), index: m.index }));
}
