/**
 * The vector leg's first pass: every chunk's sign-quantized embedding (1 bit per dimension,
 * as sqlite-vec's vec_quantize_binary writes it) held in typed arrays and scanned by Hamming
 * distance. A counting select over the distances returns any number of nearest candidates for
 * the cost of one pass, so the exact rescoring that follows can look at enough of them for
 * high recall even in a million chunks.
 */
export class BinaryIndex {
  private readonly words: number;
  private ids: Int32Array;
  private docs: Int32Array;
  private codes: Uint32Array;
  private size = 0;

  constructor(readonly dimensions: number, capacity = 1024) {
    this.words = Math.ceil(dimensions / 32);
    this.ids = new Int32Array(capacity);
    this.docs = new Int32Array(capacity);
    this.codes = new Uint32Array(capacity * this.words);
  }

  get length(): number {
    return this.size;
  }

  add(chunkId: number, documentId: number, bits: Uint8Array): void {
    if (bits.byteLength * 8 !== this.dimensions) throw new Error(`Expected ${this.dimensions} bits, got ${bits.byteLength * 8}.`);
    if (this.size === this.ids.length) this.grow();
    this.ids[this.size] = chunkId;
    this.docs[this.size] = documentId;
    if (LITTLE_ENDIAN) {
      // Words are little-endian bytes: copy the bytes straight in (10x faster than per word).
      new Uint8Array(this.codes.buffer, this.size * this.words * 4, this.words * 4).set(bits);
    } else {
      this.codes.set(toWords(bits, this.words), this.size * this.words);
    }
    this.size++;
  }

  /** Chunk ids of the `count` nearest codes (ties at the cut-off included), optionally within some documents. */
  nearest(query: Uint8Array, count: number, documentIds?: ReadonlySet<number>): number[] {
    const words = this.words;
    const q = toWords(query, words);
    const distances = new Uint16Array(this.size);
    const histogram = new Uint32Array(this.dimensions + 2);
    const codes = this.codes;
    for (let i = 0; i < this.size; i++) {
      if (documentIds && !documentIds.has(this.docs[i]!)) {
        distances[i] = this.dimensions + 1;
        continue;
      }
      let d = 0;
      for (let w = 0, o = i * words; w < words; w++) d += popcount(codes[o + w]! ^ q[w]!);
      distances[i] = d;
      histogram[d]!++;
    }
    // The smallest distance that admits `count` rows; never past `dimensions`, which would
    // admit the rows filtered out above.
    let cutoff = 0;
    for (let seen = histogram[0]!; seen < count && cutoff < this.dimensions; ) seen += histogram[++cutoff]!;
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (distances[i]! <= cutoff) out.push(this.ids[i]!);
    return out;
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const ids = new Int32Array(capacity);
    const docs = new Int32Array(capacity);
    const codes = new Uint32Array(capacity * this.words);
    ids.set(this.ids);
    docs.set(this.docs);
    codes.set(this.codes);
    this.ids = ids;
    this.docs = docs;
    this.codes = codes;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Bits as little-endian 32-bit words, zero-padded (unused bits match and cost nothing). */
function toWords(bits: Uint8Array, words: number): Uint32Array {
  const padded = new Uint8Array(words * 4);
  padded.set(bits);
  const view = new DataView(padded.buffer);
  return Uint32Array.from({ length: words }, (_, w) => view.getUint32(w * 4, true));
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
