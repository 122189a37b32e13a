import { useId, useState, type ReactNode } from 'react';
import type { DocumentInfo } from '../../../preload/contract/index.js';
import type { IngestingFile, LibraryState } from '../state/useLibrary.js';
import { basename, plural } from '../format.js';
import { ConfirmedRemove } from './ConfirmedRemove.js';
import { Icon } from './Icon.js';

function Progress({ done, total, label }: { done: number; total: number | null; label: string }) {
  const indeterminate = total === null || total === 0;
  return (
    <div
      className={`progress${indeterminate ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={indeterminate ? undefined : total}
      aria-valuenow={indeterminate ? undefined : done}
      aria-valuetext={indeterminate ? 'Starting' : `${done} of ${total} pages`}
    >
      <span style={indeterminate ? undefined : { width: `${(100 * done) / total}%` }} />
    </div>
  );
}

function IngestingRow({ file, onDismiss }: { file: IngestingFile; onDismiss: () => void }) {
  const status =
    file.phase === 'uploading'
      ? 'Uploading…'
      : file.phase === 'queued'
        ? 'Waiting…'
        : file.phase === 'failed'
          ? null
          : file.pagesTotal === null
            ? 'Opening…'
            : `${file.pagesDone} / ${file.pagesTotal} pages`;
  return (
    <li className={`doc ${file.phase === 'failed' ? 'failed' : 'ingesting'}`} data-status={file.phase}>
      <Icon name="file" />
      <div className="doc-main">
        <span className="doc-title" title={file.name}>
          {file.name}
        </span>
        {file.phase === 'failed' ? (
          <span className="doc-error" role="alert">
            {file.error?.message ?? 'This file could not be added.'}
          </span>
        ) : (
          <>
            <Progress done={file.pagesDone} total={file.pagesTotal} label={`Indexing ${file.name}`} />
            <span className="doc-meta">{status}</span>
          </>
        )}
      </div>
      {file.phase === 'failed' && (
        <button type="button" className="icon-button" onClick={onDismiss} aria-label={`Dismiss ${file.name}`}>
          <Icon name="close" size={16} />
        </button>
      )}
    </li>
  );
}

function DocumentRow({ doc, progress, onRemove }: { doc: DocumentInfo; progress: IngestingFile | undefined; onRemove: () => void }) {
  const file = basename(doc.path);
  const title = doc.title;
  let meta: ReactNode;
  if (doc.status === 'failed') {
    meta = (
      <span className="doc-error" role="alert">
        {doc.error?.message ?? 'This document could not be indexed.'}
      </span>
    );
  } else if (doc.status === 'indexing' || doc.status === 'pending') {
    meta = progress ? (
      <>
        <Progress done={progress.pagesDone} total={progress.pagesTotal} label={`Indexing ${title}`} />
        <span className="doc-meta">
          {progress.pagesTotal === null ? 'Opening…' : `${progress.pagesDone} / ${progress.pagesTotal} pages`}
        </span>
      </>
    ) : (
      <span className="doc-meta warn">
        Interrupted at {doc.pagesIndexed} of {doc.pages ?? '?'} pages. Add the file again to finish.
      </span>
    );
  } else {
    meta = (
      <span className="doc-meta">
        {plural(doc.pages ?? 0, 'page')}
        {doc.imageOnlyPages.length > 0 && ` · ${plural(doc.imageOnlyPages.length, 'page')} without text`}
      </span>
    );
  }
  return (
    <li className={`doc ${doc.status}`} data-status={doc.status}>
      <Icon name="file" />
      <div className="doc-main">
        <span className="doc-title" title={`${title}\n${doc.path}`}>
          {title}
        </span>
        {title !== file && title !== file.replace(/\.pdf$/i, '') && <span className="doc-file">{file}</span>}
        {meta}
      </div>
      <ConfirmedRemove label={`Remove ${title}`} action="Remove" onConfirm={onRemove} />
    </li>
  );
}

export function LibraryPanel({ library, onChoose }: { library: LibraryState; onChoose: () => void }) {
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const query = filter.trim().toLowerCase();
  const matches = (text: string) => text.toLowerCase().includes(query);
  // Newest first, so a file that finishes indexing stays where its progress bar was.
  const docs = library.documents
    .filter((d) => !query || matches(d.title) || matches(basename(d.path)))
    .sort((a, b) => b.addedAt.localeCompare(a.addedAt) || b.id - a.id);
  const claimed = new Set<string>();
  const progressFor = (doc: DocumentInfo) => {
    const file = library.ingesting.find((f) => f.documentId === doc.id || f.path === doc.path);
    if (file) claimed.add(file.path);
    return file;
  };
  const rows = docs.map((doc) => ({ doc, progress: progressFor(doc) }));
  const pending = library.ingesting.filter((f) => !claimed.has(f.path) && (!query || matches(f.name)));
  // The documents that did not fail (ready or still being indexed), as the empty chat counts them, and those that failed.
  const failed = library.documents.filter((d) => d.status === 'failed').length;
  const count = library.documents.length;
  const usable = count - failed;

  return (
    <section className="library" aria-labelledby="library-heading">
      <header className="section-head">
        <h2 id="library-heading">Library</h2>
        <span className="count">{count > 0 ? `${plural(usable, 'document')}${failed > 0 ? ` · ${failed} failed` : ''}` : ''}</span>
      </header>
      <button type="button" className="primary wide" onClick={onChoose}>
        <Icon name="upload" size={16} /> Add documents
      </button>
      {count > 0 && (
        <div className="filter">
          <Icon name="search" size={15} />
          <label htmlFor={filterId} className="sr-only">
            Filter documents by name
          </label>
          <input id={filterId} type="search" placeholder="Filter by name" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
      )}
      {library.notice && (
        <p className="notice" role="status">
          {library.notice}
          <button type="button" className="icon-button" onClick={library.clearNotice} aria-label="Dismiss notice">
            <Icon name="close" size={14} />
          </button>
        </p>
      )}
      {library.error && (
        <p className="banner error" role="alert">
          {library.error}
        </p>
      )}
      <ul className="docs" aria-label="Documents">
        {pending.map((file) => (
          <IngestingRow key={file.path} file={file} onDismiss={() => library.dismiss(file.path)} />
        ))}
        {rows.map(({ doc, progress }) => (
          <DocumentRow key={doc.id} doc={doc} progress={progress} onRemove={() => void library.remove(doc.id)} />
        ))}
      </ul>
      {library.loaded && count === 0 && pending.length === 0 && (
        <p className="empty-hint">Drop PDFs or folders anywhere on this window, or use Add documents. They are indexed on this machine.</p>
      )}
      {count > 0 && docs.length === 0 && query && <p className="empty-hint">No document matches “{filter.trim()}”.</p>}
    </section>
  );
}
