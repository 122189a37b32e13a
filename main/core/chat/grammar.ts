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

/** What may still change at the end of a text being generated: a marker not finished ("... [2") and the space before it, or trailing space. */
const OPEN_END = /\s*(?:\[\d*)?$/;

/** The text without what a generation cut off by maxTokens or Stop left open at its end. */
export function finishedText(text: string): string {
  return text.replace(OPEN_END, '');
}

/**
 * Passes streamed text on, holding back its open end until what follows settles it, so that
 * what streams is exactly `finishedText` of the whole: "[" and "2" wait for "]".
 */
export function settledStream(emit: (text: string) => void): (chunk: string) => void {
  let held = '';
  return (chunk) => {
    const text = held + chunk;
    const open = OPEN_END.exec(text)!;
    held = open[0];
    if (open.index > 0) emit(text.slice(0, open.index));
  };
}
