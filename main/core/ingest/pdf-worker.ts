/**
 * Runs inside a worker thread (see worker-pool.ts): opens one PDF with pdf.js and extracts a
 * range of pages. Hostile files can hang or exhaust memory here; the pool's time limit and
 * heap limit then end this thread, never the app.
 */
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import zlib from 'node:zlib';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { ApiError } from '../../../preload/contract/index.js';
import { layoutPage, stripControl, type RawTextItem, type SpanTable } from './layout.js';
import { classifyPdfError } from './pdf-errors.js';

export interface ExtractTask {
  path: string;
  /** 1-based, inclusive. */
  fromPage: number;
  /** 1-based, inclusive; clamped to the page count. */
  toPage: number;
  /**
   * A document's first task: it posts the document's info before any page, and reads on to its
   * share of the pages when `parts` workers split them (at least up to toPage), so that no
   * separate task has to open the file just to count its pages.
   */
  lead?: { parts: number };
}

export interface DocumentInfo {
  pageCount: number;
  title: string | null;
  /** The last page this (lead) task reads; the pages after it are for other tasks. */
  toPage: number;
}

export interface ExtractedPage {
  pageNumber: number;
  kind: 'text' | 'image-only' | 'empty';
  text: string;
  spans: SpanTable;
  view: [number, number, number, number];
  rotation: number;
}

/** Pages are not in the result: each is posted on the task's port as soon as it is read. */
export type ExtractResult = { ok: true; pageCount: number; pagesSent: number } | { ok: false; error: ApiError; pagesSent: number };

/** What the worker posts on the task's port: 'started', for a lead task the info, then one message per page. */
export type WorkerMessage = 'started' | { info: DocumentInfo } | { page: ExtractedPage };

const require = createRequire(import.meta.url);
const pdfjsRoot = path.dirname(require.resolve('pdfjs-dist/package.json'));
const IMAGE_OPS = new Set<string>(['paintImageXObject', 'paintInlineImageXObject', 'paintImageMaskXObject', 'paintImageXObjectRepeat', 'paintInlineImageXObjectGroup', 'paintImageMaskXObjectGroup', 'paintSolidColorImageMask', 'paintImageMaskXObjectRepeat']);

interface PdfJs {
  pdfjs: typeof PdfJsModule;
  /** pdf.js operator codes that paint an image, to tell scanned pages from blank ones. */
  imageOps: ReadonlySet<number>;
}
let pdfjsPromise: Promise<PdfJs> | null = null;

/**
 * Built-ins that pdf.js's legacy build (the one that runs on Node 20) replaces with core-js
 * versions although Node's own are correct for everything pdf.js does. Its Array.prototype.push
 * is plain JavaScript and cost about a tenth of all extraction time in a profile; the natives
 * go back once the module has loaded. What it adds (Promise.withResolvers, ...) stays.
 */
const KEPT_NATIVE: readonly [object, PropertyKey][] = [
  [Array.prototype, 'push'],
  [JSON, 'parse'],
  [Function.prototype, 'toString'],
  [globalThis, 'AbortSignal'],
  [globalThis, 'MessageChannel'],
  [globalThis, 'DOMException'],
];

/**
 * pdf.js inflates content streams, fonts and CMaps through the web DecompressionStream, which in
 * Node hands each stream to libuv's thread pool through web-stream adapters and waits for it.
 * A text-extraction thread gains nothing from that hop: this one inflates with zlib on the spot,
 * which cut GeoTopo's steady-state ingestion (embedding off) from 0.95-1.0 s to 0.58-0.65 s.
 * It keeps the contract pdf.js relies on: corrupt or truncated data errors the readable side, and
 * pdf.js then falls back to its own lenient inflater. loadPdfJs installs it in the PDF threads.
 */
export class SyncInflateStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;

  constructor(format: string) {
    if (format !== 'deflate') throw new TypeError(`unsupported format ${format}`);
    const parts: Uint8Array[] = [];
    const transform = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk) => void parts.push(chunk),
      flush: (controller) => controller.enqueue(new Uint8Array(zlib.inflateSync(Buffer.concat(parts)))),
    });
    this.readable = transform.readable;
    this.writable = transform.writable;
  }
}

export function loadPdfJs(): Promise<PdfJs> {
  if (pdfjsPromise) return pdfjsPromise;
  (globalThis as { DecompressionStream: unknown }).DecompressionStream = SyncInflateStream;
  const natives = KEPT_NATIVE.map(([target, key]) => [target, key, Object.getOwnPropertyDescriptor(target, key)] as const);
  pdfjsPromise = Promise.all([
    import('pdfjs-dist/legacy/build/pdf.mjs'),
    // pdf.js runs its worker side in this thread; loaded here, so its polyfills are undone too.
    import('pdfjs-dist/legacy/build/pdf.worker.mjs'),
  ]).then(([pdfjs, worker]) => {
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    for (const [target, key, descriptor] of natives) if (descriptor) Object.defineProperty(target, key, descriptor);
    const imageOps = new Set(Object.entries(pdfjs.OPS).filter(([name]) => IMAGE_OPS.has(name)).map(([, op]) => op));
    return { pdfjs, imageOps };
  });
  return pdfjsPromise;
}

function usefulTitle(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const title = stripControl(raw).replace(/\s+/g, ' ').trim();
  if (!title || /^untitled$/i.test(title) || /\.(docx?|pdf|tex|odt)$/i.test(title)) return null;
  return title.replace(/^Microsoft Word - /, '');
}

export default async function extract(task: ExtractTask & { port: MessagePort }): Promise<ExtractResult> {
  const { pdfjs, imageOps } = await loadPdfJs();
  const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => task.port.postMessage(message, transfer);
  post('started');
  let pagesSent = 0;
  let doc: Awaited<ReturnType<typeof pdfjs.getDocument>['promise']> | null = null;
  try {
    const data = new Uint8Array(await fs.readFile(task.path));
    doc = await pdfjs.getDocument({
      data,
      cMapUrl: path.join(pdfjsRoot, 'cmaps') + path.sep,
      cMapPacked: true,
      standardFontDataUrl: path.join(pdfjsRoot, 'standard_fonts') + path.sep,
      wasmUrl: path.join(pdfjsRoot, 'wasm') + path.sep,
      disableFontFace: true,
      isEvalSupported: false,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
    const pageCount = doc.numPages;
    let toPage = Math.min(task.toPage, pageCount);
    if (task.lead) {
      const meta = await doc.getMetadata().catch(() => null);
      const title = usefulTitle((meta?.info as Record<string, unknown> | undefined)?.['Title']);
      const share = Math.ceil((pageCount - task.fromPage + 1) / Math.max(1, task.lead.parts));
      toPage = Math.min(pageCount, Math.max(task.toPage, task.fromPage + share - 1));
      post({ info: { pageCount, title, toPage } });
    }
    for (let n = task.fromPage; n <= toPage; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent({ includeMarkedContent: false, disableNormalization: false });
      const layout = layoutPage(content.items.filter((item): item is RawTextItem & typeof item => 'str' in item));
      let kind: ExtractedPage['kind'] = 'text';
      if (layout.text.trim().length === 0) {
        const ops = await page.getOperatorList();
        kind = ops.fnArray.some((fn) => imageOps.has(fn)) ? 'image-only' : 'empty';
      }
      const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = page.view;
      const extracted: ExtractedPage = { pageNumber: n, kind, text: layout.text, spans: layout.spans, view: [x0, y0, x1, y1], rotation: page.rotate };
      post({ page: extracted }, [layout.spans.buffer as ArrayBuffer]);
      pagesSent++;
      page.cleanup();
    }
    return { ok: true, pageCount, pagesSent };
  } catch (error) {
    return { ok: false, error: classifyPdfError(error), pagesSent };
  } finally {
    task.port.close();
    await doc?.destroy();
  }
}
