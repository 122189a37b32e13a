import { describe, expect, it } from 'vitest';
import { BinaryIndex } from '../../main/core/store/binary-index.js';
import { quantizeBinary } from '../../main/core/store/vectors.js';

const vector = (seed: number, dims = 64) => Float32Array.from({ length: dims }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));

describe('BinaryIndex', () => {
  it('returns the nearest codes by Hamming distance, exact for an identical vector', () => {
    const index = new BinaryIndex(64, 2);
    for (let id = 1; id <= 50; id++) index.add(id, id % 3, quantizeBinary(vector(id)));
    expect(index.length).toBe(50);
    expect(index.nearest(quantizeBinary(vector(17)), 1)).toEqual([17]);
    expect(index.nearest(quantizeBinary(vector(17)), 5).length).toBeGreaterThanOrEqual(5);
  });

  it('keeps to the chosen documents, and returns nothing when none match', () => {
    const index = new BinaryIndex(64);
    for (let id = 1; id <= 30; id++) index.add(id, id % 3, quantizeBinary(vector(id)));
    const inDocOne = index.nearest(quantizeBinary(vector(4)), 100, new Set([1]));
    expect(inDocOne.length).toBe(10);
    expect(inDocOne.every((id) => id % 3 === 1)).toBe(true);
    expect(index.nearest(quantizeBinary(vector(4)), 5, new Set([7]))).toEqual([]);
  });

  it('quantizes like sqlite-vec: dimension i is bit i % 8 of byte i / 8', () => {
    const v = new Float32Array(32);
    v[0] = 1;
    v[9] = 0.5;
    v[31] = 2;
    v[1] = -1;
    expect(Buffer.from(quantizeBinary(v)).toString('hex')).toBe('01020080');
  });
});
