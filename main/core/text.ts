/** A text on one line, its runs of white space (line breaks included) made one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `oneLine(text)`, cut to at most `max` characters with an ellipsis. */
export function excerpt(text: string, max: number): string {
  const flat = oneLine(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
