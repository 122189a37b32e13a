import type { PDFDocumentProxy } from 'pdfjs-dist';

/**
 * Parsed PDFs by document id. Kept apart from pdf.ts so the window can forget a document
 * without loading pdf.js, which loads only when the viewer first opens.
 */
export const open = new Map<number, Promise<PDFDocumentProxy>>();

/** Drops a removed document's parsed PDF (a later document may reuse its id). */
export function forgetPdf(documentId: number): void {
  const loading = open.get(documentId);
  open.delete(documentId);
  void loading?.then((pdf) => pdf.destroy()).catch(() => undefined);
}
