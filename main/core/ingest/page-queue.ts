import type { ApiError } from '../../../preload/contract/index.js';
import type { ExtractedPage } from './pdf-worker.js';

/** Pages of one range as the worker reads them, consumed in order; ends with the range's outcome. */
export class PageQueue implements AsyncIterable<ExtractedPage> {
  private readonly pages: ExtractedPage[] = [];
  private finished = false;
  private error: ApiError | null = null;
  private wake: (() => void) | null = null;

  push(page: ExtractedPage): void {
    this.pages.push(page);
    this.notify();
  }

  end(error: ApiError | null = null): void {
    this.finished = true;
    this.error = error;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ExtractedPage> {
    for (;;) {
      const page = this.pages.shift();
      if (page) {
        yield page;
        continue;
      }
      if (this.finished) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }
}

/** Splits pages from..to into at most `parts` contiguous ranges of nearly equal size. */
export function splitPages(from: number, to: number, parts: number): [number, number][] {
  const total = to - from + 1;
  if (total <= 0) return [];
  const count = Math.max(1, Math.min(parts, total));
  const ranges: [number, number][] = [];
  for (let i = 0, start = from; i < count; i++) {
    const size = Math.floor(total / count) + (i < total % count ? 1 : 0);
    ranges.push([start, start + size - 1]);
    start += size;
  }
  return ranges;
}
