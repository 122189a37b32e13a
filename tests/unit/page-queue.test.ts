import { describe, expect, it } from 'vitest';
import { PageQueue, splitPages } from '../../main/core/ingest/page-queue.js';
import type { ExtractedPage } from '../../main/core/ingest/pdf-worker.js';

const page = (n: number): ExtractedPage => ({ pageNumber: n, kind: 'text', text: `p${n}`, spans: new Float64Array(), view: [0, 0, 1, 1], rotation: 0 });

describe('splitPages', () => {
  it('splits into contiguous, nearly equal ranges covering every page once', () => {
    expect(splitPages(1, 117, 2)).toEqual([[1, 59], [60, 117]]);
    expect(splitPages(41, 117, 2)).toEqual([[41, 79], [80, 117]]);
    expect(splitPages(1, 3, 8)).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(splitPages(5, 4, 2)).toEqual([]);
  });
});

describe('PageQueue', () => {
  it('yields pages pushed before and after iteration starts, in order, then ends', async () => {
    const queue = new PageQueue();
    queue.push(page(1));
    setTimeout(() => {
      queue.push(page(2));
      queue.end();
    }, 5);
    const seen: number[] = [];
    for await (const p of queue) seen.push(p.pageNumber);
    expect(seen).toEqual([1, 2]);
  });

  it('throws the range error after the pages that arrived', async () => {
    const queue = new PageQueue();
    queue.push(page(1));
    queue.end({ code: 'PDF_TIMEOUT', message: 'slow' });
    const seen: number[] = [];
    await expect(async () => {
      for await (const p of queue) seen.push(p.pageNumber);
    }).rejects.toMatchObject({ code: 'PDF_TIMEOUT' });
    expect(seen).toEqual([1]);
  });
});
