import { describe, expect, it } from 'vitest';
import { boxesForSpan, layoutPage, SPAN_FIELDS, type RawTextItem } from '../../main/core/ingest/layout.js';

const item = (str: string, x: number, y: number, width: number, hasEOL = false, size = 10): RawTextItem => ({
  str, transform: [size, 0, 0, size, x, y], width, height: size, hasEOL,
});

describe('layoutPage', () => {
  it('joins items on a line, breaks lines, and separates paragraphs by vertical gaps', () => {
    const { text, spans } = layoutPage([
      item('Hello', 50, 700, 25),
      item('world.', 80, 700, 30, true),
      item('Second line', 50, 688, 55),
      item('New paragraph', 50, 650, 60),
    ]);
    expect(text).toBe('Hello world.\nSecond line\n\nNew paragraph');
    expect(spans.length).toBe(4 * SPAN_FIELDS);
    // Each span points at its item's text.
    for (let i = 0; i < spans.length; i += SPAN_FIELDS) {
      expect(['Hello', 'world.', 'Second line', 'New paragraph']).toContain(text.slice(spans[i]!, spans[i + 1]!));
    }
  });

  it('adds no space inside a word split into items and drops control characters', () => {
    const { text } = layoutPage([item('Docu', 50, 700, 20), item('ment\u0003', 70, 700, 20)]);
    expect(text).toBe('Document');
  });

  it('honours pdf.js end-of-line markers carried by empty items', () => {
    const { text } = layoutPage([item('one', 50, 700, 15), item('', 65, 700, 0, true), item('two', 50, 700, 15)]);
    expect(text).toBe('one\ntwo');
  });
});

describe('boxesForSpan', () => {
  it('returns one box per line covered, merged across the items of that line', () => {
    const { text, spans } = layoutPage([
      item('alpha', 50, 700, 30),
      item('beta', 85, 700, 25, true),
      item('gamma', 50, 688, 35),
    ]);
    const boxes = boxesForSpan(spans, 0, text.length);
    expect(boxes).toHaveLength(2);
    expect(boxes[0]![0]).toBe(50);
    expect(boxes[0]![2]).toBeCloseTo(60, 0); // 50 -> 110
    expect(boxesForSpan(spans, text.indexOf('gamma'), text.length)).toHaveLength(1);
  });
});
