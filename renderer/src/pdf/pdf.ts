import { getDocument, GlobalWorkerOptions, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import type { DocentClient } from '../api/client.js';
import { open } from './cache.js';

GlobalWorkerOptions.workerSrc = workerUrl;

/** Copied next to the bundle by vite.config.ts, so fonts and CMaps load offline. */
const asset = (folder: string) => new URL(`./pdfjs/${folder}/`, document.baseURI).href;

/** The document's PDF, parsed once per window and kept while the viewer may show it again. */
export function openPdf(client: DocentClient, documentId: number): Promise<PDFDocumentProxy> {
  let loading = open.get(documentId);
  if (!loading) {
    loading = client.documentData(documentId).then(
      (data) =>
        getDocument({
          data,
          // The window's CSP allows neither eval nor WebAssembly compilation.
          isEvalSupported: false,
          useWasm: false,
          standardFontDataUrl: asset('standard_fonts'),
          cMapUrl: asset('cmaps'),
          cMapPacked: true,
        }).promise,
    );
    open.set(documentId, loading);
    loading.catch(() => open.delete(documentId));
  }
  return loading;
}
