/** A text on one line, its runs of white space (line breaks included) made one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `oneLine(text)`, cut to at most `max` characters with an ellipsis. */
export function excerpt(text: string, max: number): string {
  const flat = oneLine(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Text from a model or a PDF without control characters (escape sequences that could move a
 * terminal's cursor, recolour or retitle it when the text is shown there, carriage returns that
 * overwrite a line); line breaks and tabs stay.
 */
export function withoutControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
