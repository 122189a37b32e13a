import { describe, expect, it } from 'vitest';
import { loadPdfJs } from '../../main/core/ingest/pdf-worker.js';

// Node's own, taken before pdf.js loads (loadPdfJs imports it on first use).
const own = {
  push: Array.prototype.push,
  parse: JSON.parse,
  toString: Function.prototype.toString,
  AbortSignal: globalThis.AbortSignal,
  MessageChannel: globalThis.MessageChannel,
};

describe('loading pdf.js in a PDF worker', () => {
  it("keeps Node's own built-ins that the legacy build would replace, and what it adds", async () => {
    const { pdfjs } = await loadPdfJs();
    expect(typeof pdfjs.getDocument).toBe('function');
    expect((globalThis as { pdfjsWorker?: { WorkerMessageHandler?: unknown } }).pdfjsWorker?.WorkerMessageHandler).toBeDefined();
    expect(Array.prototype.push).toBe(own.push);
    expect(JSON.parse).toBe(own.parse);
    expect(Function.prototype.toString).toBe(own.toString);
    expect(globalThis.AbortSignal).toBe(own.AbortSignal);
    expect(globalThis.MessageChannel).toBe(own.MessageChannel);
    expect(Function.prototype.toString.call(Array.prototype.push)).toContain('[native code]');
    // pdf.js needs this one on Node 20; it stays.
    expect(typeof (Promise as { withResolvers?: unknown }).withResolvers).toBe('function');
  });
});
