import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { TextLayer, type PDFDocumentProxy, type PageViewport } from 'pdfjs-dist';
import type { TextBox } from '../../../preload/contract/index.js';
import type { DocentClient } from '../api/client.js';
import { openPdf } from '../pdf/pdf.js';
import { itemsCovering } from '../pdf/quote.js';
import { Icon } from './Icon.js';

/** What the viewer shows: a page of a document, and the passage to highlight on it. */
export interface ViewerTarget {
  documentId: number;
  title: string;
  page: number;
  boxes: TextBox[];
  /** The cited text, shown above the page (and the only thing left if the PDF is gone). */
  quote: string;
  label: string;
  verified: boolean | null;
  /** Changes on every click, so clicking the same citation again scrolls back to it. */
  nonce: number;
}

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** PDF user space boxes (x, y of the bottom-left corner, width, height) in viewport pixels. */
export function highlightRects(boxes: readonly TextBox[], viewport: PageViewport): Rect[] {
  return boxes.map(([x, y, w, h]) => {
    const [x1, y1, x2, y2] = viewport.convertToViewportRectangle([x, y, x + w, y + h]) as [number, number, number, number];
    const pad = 2;
    return {
      left: Math.min(x1, x2) - pad,
      top: Math.min(y1, y2) - pad,
      width: Math.abs(x2 - x1) + 2 * pad,
      height: Math.abs(y2 - y1) + 2 * pad,
    };
  });
}

/** The error of a document found removed when its PDF was asked for. */
const REMOVED = 'removed';

/** Said in place of the page of a document that is no longer in the library. */
function removedMessage(target: ViewerTarget): string {
  return `“${target.title}” is no longer in the library (it was removed), so its pages cannot be shown.${target.quote ? ' The cited passage is above.' : ''}`;
}

/** `removed`: the library the window shows no longer lists the document (removed while it was open, say). */
export function Viewer({ client, target, removed, onClose }: { client: DocentClient; target: ViewerTarget; removed: boolean; onClose: () => void }) {
  const [pdf, setPdf] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [page, setPage] = useState(target.page);
  const [width, setWidth] = useState(0);
  const [rendered, setRendered] = useState<{ page: number; rects: Rect[]; size: { width: number; height: number } } | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const textLayer = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    setPage(target.page);
    heading.current?.focus();
  }, [target]);

  useEffect(() => {
    let live = true;
    setPdf(null);
    setError(null);
    setRendered(null);
    if (removed) return;
    openPdf(client, target.documentId).then(
      (doc) => live && setPdf(doc),
      async (e: unknown) => {
        // Removed from another window or the command line, unknown to this one's list: said so by title.
        const listed = await client.listDocuments({});
        const gone = listed.ok && !listed.value.documents.some((d) => d.id === target.documentId);
        if (live) setError(gone ? REMOVED : e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      live = false;
    };
  }, [client, target.documentId, removed]);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      // Re-render only when the width changes noticeably; each render costs a page paint.
      const next = Math.floor((entry?.contentRect.width ?? 0) / 8) * 8;
      setWidth((current) => (Math.abs(current - next) >= 8 ? next : current));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (!pdf || width <= 0 || !canvas.current || !textLayer.current) return;
    const pageNumber = Math.min(Math.max(1, page), pdf.numPages);
    let cancelled = false;
    let cleanup = () => undefined as void;
    void (async () => {
      const pdfPage = await pdf.getPage(pageNumber);
      if (cancelled || !canvas.current || !textLayer.current) return;
      const base = pdfPage.getViewport({ scale: 1 });
      const viewport = pdfPage.getViewport({ scale: Math.min(2.5, (width - 32) / base.width) });
      const ratio = window.devicePixelRatio || 1;
      const target2d = canvas.current;
      target2d.width = Math.floor(viewport.width * ratio);
      target2d.height = Math.floor(viewport.height * ratio);
      target2d.style.width = `${Math.floor(viewport.width)}px`;
      target2d.style.height = `${Math.floor(viewport.height)}px`;
      const task = pdfPage.render({ canvas: target2d, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] });
      const layerElement = textLayer.current;
      layerElement.replaceChildren();
      layerElement.style.setProperty('--total-scale-factor', String(viewport.scale));
      const layer = new TextLayer({ textContentSource: pdfPage.streamTextContent(), container: layerElement, viewport });
      cleanup = () => {
        task.cancel();
        layer.cancel();
      };
      try {
        await Promise.all([task.promise, layer.render()]);
      } catch (e) {
        if (cancelled) return;
        if (e instanceof Error && e.name === 'RenderingCancelledException') return;
        throw e;
      }
      if (cancelled) return;
      // The chunk's boxes mark the passage; the cited sentence inside it is marked on the text itself.
      if (pageNumber === target.page && target.quote) {
        for (const i of itemsCovering(layer.textContentItemsStr, target.quote)) layer.textDivs[i]?.classList.add('cited');
      }
      setRendered({
        page: pageNumber,
        rects: pageNumber === target.page ? highlightRects(target.boxes, viewport) : [],
        size: { width: Math.floor(viewport.width), height: Math.floor(viewport.height) },
      });
    })().catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
      cleanup();
    };
  }, [pdf, page, width, target]);

  // Bring the passage into view once its page is drawn.
  useEffect(() => {
    if (!rendered || rendered.rects.length === 0) return;
    scroller.current?.querySelector('.highlight')?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [rendered]);

  const pages = pdf?.numPages ?? null;
  const go = (delta: number) => setPage((p) => Math.min(Math.max(1, p + delta), pages ?? p));

  return (
    <section
      className="viewer"
      aria-label="Document viewer"
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
    >
      <header className="viewer-head">
        <div className="viewer-title">
          <h2 ref={heading} tabIndex={-1} title={target.title}>
            {target.title}
          </h2>
          <p className="viewer-page" aria-live="polite">
            Page {page}
            {pages ? ` of ${pages}` : ''}
          </p>
        </div>
        <div className="viewer-nav">
          <button type="button" className="icon-button" onClick={() => go(-1)} disabled={page <= 1} aria-label="Previous page">
            <Icon name="chevron-left" />
          </button>
          <button type="button" className="icon-button" onClick={() => go(1)} disabled={pages === null || page >= pages} aria-label="Next page">
            <Icon name="chevron-right" />
          </button>
          {page !== target.page && (
            <button type="button" className="ghost small" onClick={() => setPage(target.page)}>
              Back to page {target.page}
            </button>
          )}
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close viewer">
            <Icon name="close" />
          </button>
        </div>
      </header>
      {target.quote && (
        <blockquote className={`viewer-quote${target.verified === false ? ' unverified' : ''}`}>
          <span className="viewer-quote-label">{target.label}</span>
          {target.quote}
        </blockquote>
      )}
      <div className="viewer-scroll" ref={scroller}>
        {removed || error ? (
          <div className="viewer-error" role="alert">
            <p>
              <strong>This PDF cannot be shown.</strong>
            </p>
            <p>{removed || error === REMOVED ? removedMessage(target) : error}</p>
          </div>
        ) : (
          <div
            className={`pdf-page${rendered ? '' : ' loading'}`}
            style={rendered ? { width: rendered.size.width, height: rendered.size.height } : undefined}
            data-page-number={rendered?.page}
          >
            <canvas ref={canvas} aria-label={`Page ${page} of ${target.title}`} role="img" />
            <div ref={textLayer} className="textLayer" />
            {rendered?.page === page &&
              rendered.rects.map((rect, i) => (
                <div key={i} className="highlight" style={{ left: rect.left, top: rect.top, width: rect.width, height: rect.height }} aria-hidden="true" />
              ))}
            {!rendered && <div className="pdf-loading">Opening page {page}…</div>}
          </div>
        )}
      </div>
    </section>
  );
}
