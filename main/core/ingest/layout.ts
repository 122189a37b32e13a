/**
 * Turns pdf.js text items into page text a person (and a chunker) can read, while keeping,
 * for every item, its character span in that text and its box on the page. Lines end in
 * "\n"; a vertical gap well beyond the line height starts a paragraph ("\n\n").
 */

export interface RawTextItem {
  str: string;
  /** pdf.js transform: [a, b, c, d, e, f]; e, f is the baseline origin in PDF user space. */
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

/** Flattened spans: [start, end, x, y, width, height] per item, six numbers each. */
export type SpanTable = Float64Array;
export const SPAN_FIELDS = 6;

export interface PageLayout {
  text: string;
  spans: SpanTable;
}

const PARAGRAPH_GAP = 1.7; // in line heights
const SAME_LINE = 0.5; // baseline difference, in font sizes
const WORD_GAP = 0.18; // horizontal gap, in font sizes, that implies a space

// Broken font encodings surface as control characters; they carry nothing a reader can use.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

export function stripControl(text: string): string {
  return text.replace(CONTROL, '');
}

function fontSize(item: RawTextItem): number {
  const [, , c = 0, d = 0] = item.transform;
  return Math.hypot(c, d) || item.height || 10;
}

export function layoutPage(items: readonly RawTextItem[]): PageLayout {
  let text = '';
  const spans: number[] = [];
  let prev: { x: number; y: number; right: number; size: number; eol: boolean } | null = null;
  let pendingEol = false;

  for (const item of items) {
    const str = stripControl(item.str);
    if (str.length === 0) {
      if (item.hasEOL) pendingEol = true;
      continue;
    }
    const size = fontSize(item);
    const x = item.transform[4] ?? 0;
    const y = item.transform[5] ?? 0;
    if (prev) {
      const dy = Math.abs(prev.y - y);
      const lineHeight = Math.max(prev.size, size);
      const sameLine = dy < SAME_LINE * lineHeight;
      if (!sameLine || prev.eol || pendingEol) {
        text = text.replace(/[ \t]+$/, '');
        text += dy > PARAGRAPH_GAP * lineHeight ? '\n\n' : '\n';
      } else {
        const gap = x - prev.right;
        if (gap > WORD_GAP * size && !/\s$/.test(text) && !/^\s/.test(str)) text += ' ';
      }
    }
    const start = text.length;
    text += str;
    const height = size;
    // The box covers the glyphs: from a little below the baseline to about one font size above.
    spans.push(start, text.length, x, y - 0.22 * height, item.width, height * 1.1);
    prev = { x, y, right: x + item.width, size, eol: item.hasEOL };
    pendingEol = false;
  }
  return { text, spans: Float64Array.from(spans) };
}

/**
 * The boxes a character span covers: one per run of items on the same line, so a highlight
 * is a few rectangles rather than one per glyph run.
 */
export function boxesForSpan(spans: SpanTable, start: number, end: number): [number, number, number, number][] {
  const boxes: [number, number, number, number][] = [];
  for (let i = 0; i + SPAN_FIELDS <= spans.length; i += SPAN_FIELDS) {
    const itemStart = spans[i]!;
    const itemEnd = spans[i + 1]!;
    if (itemEnd <= start || itemStart >= end) continue;
    const x = spans[i + 2]!;
    const y = spans[i + 3]!;
    const w = spans[i + 4]!;
    const h = spans[i + 5]!;
    const last = boxes.at(-1);
    if (last && Math.abs(last[1] - y) < h * 0.3 && Math.abs(last[3] - h) < h * 0.3 && x >= last[0] - 1) {
      last[2] = Math.max(last[2], x + w - last[0]);
    } else {
      boxes.push([x, y, w, h]);
    }
  }
  return boxes.map((box) => box.map((v) => Math.round(v * 10) / 10) as [number, number, number, number]);
}
