import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { meetsRatio, requirePoppler } from '../../bench/ingest.js';
import { median, medianInterval, mulberry32, percentile } from '../../bench/util.js';

describe('percentile and median', () => {
  it('take the nearest rank', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });
});

describe('medianInterval', () => {
  const noisy = (n: number, seed: number) => {
    const uniform = mulberry32(seed);
    return Array.from({ length: n }, () => 1.05 + (uniform() - 0.5) * 0.2);
  };

  it('holds the median, and the same values give the same interval', () => {
    const values = noisy(60, 7);
    const [low, high] = medianInterval(values);
    expect(low).toBeLessThan(median(values));
    expect(high).toBeGreaterThan(median(values));
    expect(medianInterval(values)).toEqual([low, high]);
  });

  it('narrows as samples are added, about as one over their square root', () => {
    const width = (n: number) => {
      const [low, high] = medianInterval(noisy(n, 3));
      return high - low;
    };
    const ratio = width(60) / width(960);
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6.5);
  });

  it('is a point for values that do not vary, and undefined for none', () => {
    expect(medianInterval([1.02, 1.02, 1.02])).toEqual([1.02, 1.02]);
    expect(medianInterval([]).every(Number.isNaN)).toBe(true);
  });
});

describe('the ingestion benchmark', () => {
  it('does not count a ratio over no reference as meeting its target', () => {
    expect(meetsRatio(0.6)).toBe(true);
    expect(meetsRatio(0.4)).toBe(false);
    expect(meetsRatio(Infinity)).toBe(false);
    expect(meetsRatio(NaN)).toBe(false);
  });

  it('refuses to run without poppler, rather than report Infinity as its ratio', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-no-poppler-'));
    const pathBefore = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(() => requirePoppler()).toThrow(/pdftotext and pdfinfo cannot be run here.*apt-get install poppler-utils/);
      // Found but broken, as with a shared library missing.
      for (const tool of ['pdftotext', 'pdfinfo']) {
        fs.writeFileSync(path.join(dir, tool), '#!/bin/sh\necho "error while loading shared libraries: libpoppler.so" >&2\nexit 127\n', { mode: 0o755 });
      }
      expect(() => requirePoppler()).toThrow(/pdftotext and pdfinfo cannot be run here/);
    } finally {
      process.env.PATH = pathBefore;
      fs.rmSync(dir, { recursive: true });
    }
  });
});
