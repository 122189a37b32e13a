import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadPdfJs, SyncInflateStream } from '../../main/core/ingest/pdf-worker.js';

/** Inflates the way pdf.js's FlateStream.asyncGetBytes does: write, close, read to the end. */
async function inflateLikePdfJs(bytes: Uint8Array): Promise<Uint8Array> {
  const { readable, writable } = new SyncInflateStream('deflate');
  const writer = writable.getWriter();
  await writer.ready;
  writer.write(bytes).then(() => writer.close()).catch(() => {});
  const chunks: Uint8Array[] = [];
  for await (const chunk of readable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A one-page PDF whose content stream is deflated, then cut by `cut` bytes (its checksum). */
function pdfWithDeflatedContent(text: string, cut: number): Uint8Array {
  const deflated = zlib.deflateSync(`BT /F1 24 Tf 72 720 Td (${text}) Tj ET`);
  const content = deflated.subarray(0, deflated.length - cut);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  objects.forEach((body, i) => {
    offsets.push(length);
    if (body) push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`));
    else {
      push(Buffer.from(`${i + 1} 0 obj\n<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`));
      push(content);
      push(Buffer.from('\nendstream\nendobj\n'));
    }
  });
  const xref = length;
  push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`));
  push(Buffer.from(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`));
  return new Uint8Array(Buffer.concat(parts));
}

async function pageText(data: Uint8Array): Promise<string> {
  const { pdfjs } = await loadPdfJs();
  const doc = await pdfjs.getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const content = await (await doc.getPage(1)).getTextContent();
    return content.items.map((item) => ('str' in item ? item.str : '')).join('');
  } finally {
    await doc.destroy();
  }
}

describe("pdf.js's inflater in a PDF thread", () => {
  it('is the synchronous one once pdf.js is loaded', async () => {
    await loadPdfJs();
    expect(globalThis.DecompressionStream).toBe(SyncInflateStream);
  });

  it('inflates what zlib deflated, byte for byte', async () => {
    const text = Buffer.from('BT /F1 12 Tf (inflate me) Tj ET\n'.repeat(500));
    expect(Buffer.from(await inflateLikePdfJs(zlib.deflateSync(text))).equals(text)).toBe(true);
  });

  it('errors on a truncated stream, so pdf.js falls back to its own inflater', async () => {
    const deflated = zlib.deflateSync(Buffer.from('some text'.repeat(20)));
    await expect(inflateLikePdfJs(deflated.subarray(0, -4))).rejects.toThrow();
    expect(() => new SyncInflateStream('gzip')).toThrow(/unsupported/);
  });

  it('reads text from a deflated content stream, intact or with its checksum cut off', async () => {
    expect(await pageText(pdfWithDeflatedContent('Intact deflated text', 0))).toBe('Intact deflated text');
    expect(await pageText(pdfWithDeflatedContent('Checksum cut off', 4))).toBe('Checksum cut off');
  });
});
