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

/** A citation marker still being written at the end of a generated text ("... [2"). */
const OPEN_MARKER = /\[\d*$/;

/** The text without a marker a generation cut off by maxTokens or Stop left unfinished at its end. */
export function finishedText(text: string): string {
  return text.replace(OPEN_MARKER, '');
}

/**
 * Passes streamed text on, holding back a marker until it is finished ("[" and "2" wait for
 * "]"), so that what streams is exactly `finishedText` of the whole.
 */
export function settledStream(emit: (text: string) => void): (chunk: string) => void {
  let held = '';
  return (chunk) => {
    const text = held + chunk;
    const open = OPEN_MARKER.exec(text);
    held = open ? open[0] : '';
    const ready = open ? text.slice(0, open.index) : text;
    if (ready) emit(ready);
  };
}
