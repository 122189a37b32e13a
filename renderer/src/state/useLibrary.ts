import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, DocumentInfo, IngestFileResult } from '../../../preload/contract/index.js';
import type { DocentClient } from '../api/client.js';
import { basename } from '../format.js';

/** A file on its way into the library, keyed by the path the core reads. */
export interface IngestingFile {
  path: string;
  name: string;
  jobId: string | null;
  documentId: number | null;
  pagesDone: number;
  pagesTotal: number | null;
  /** 'uploading' while the bytes travel to the HTTP door; 'queued' until the first page. */
  phase: 'uploading' | 'queued' | 'parsing' | 'failed';
  error: ApiError | null;
}

export interface LibraryState {
  documents: DocumentInfo[];
  loaded: boolean;
  ingesting: IngestingFile[];
  notice: string | null;
  error: string | null;
  addFiles(files: readonly File[]): Promise<void>;
  remove(documentId: number): Promise<void>;
  dismiss(path: string): void;
  clearNotice(): void;
}

/** Documents from listDocuments, and each file in flight from ingest:progress / ingest:file. */
export function useLibrary(client: DocentClient): LibraryState {
  const [documents, setDocuments] = useState<DocumentInfo[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [ingesting, setIngesting] = useState<IngestingFile[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const names = useRef(new Map<string, string>());
  const known = useRef(new Set<number>());
  // Events can overtake the HTTP reply that starts a job; remember what already finished.
  const finishedJobs = useRef(new Set<string>());
  const finishedPaths = useRef(new Set<string>());

  const refresh = useCallback(async () => {
    const result = await client.listDocuments({});
    if (result.ok) {
      known.current = new Set(result.value.documents.map((d) => d.id));
      setDocuments(result.value.documents);
      setLoaded(true);
      setError(null);
    } else setError(result.error.message);
  }, [client]);

  useEffect(() => {
    void refresh();
    const update = (path: string, change: (file: IngestingFile) => IngestingFile | null) =>
      setIngesting((files) => {
        const existing = files.find((f) => f.path === path);
        const base: IngestingFile = existing ?? {
          path,
          name: names.current.get(path) ?? basename(path),
          jobId: null,
          documentId: null,
          pagesDone: 0,
          pagesTotal: null,
          phase: 'queued',
          error: null,
        };
        const next = change(base);
        const rest = files.filter((f) => f.path !== path);
        return next ? (existing ? files.map((f) => (f.path === path ? next : f)) : [...files, next]) : rest;
      });

    const offs = [
      client.on('ingest:progress', (event) => {
        update(event.path, (file) => ({
          ...file,
          jobId: event.jobId,
          documentId: event.documentId,
          pagesDone: event.pagesDone,
          pagesTotal: event.pagesTotal,
          phase: 'parsing',
        }));
        // A new document's row appears as soon as the core has created it.
        if (event.documentId !== null && !known.current.has(event.documentId)) {
          known.current.add(event.documentId);
          void refresh();
        }
      }),
      client.on('ingest:file', ({ jobId, file }) => {
        finishedPaths.current.add(`${jobId}\n${file.path}`);
        onFileDone(file);
        void refresh();
      }),
      client.on('ingest:done', (event) => {
        finishedJobs.current.add(event.jobId);
        // Entries that never saw a file of their own (a folder, in Electron) end with the job.
        setIngesting((files) => files.filter((f) => f.jobId !== event.jobId || f.phase === 'failed'));
        if (event.files.length === 0) setNotice('No PDF files were found there.');
        void refresh();
      }),
      client.onConnection((_state, reopened) => {
        if (reopened) void refresh();
      }),
    ];

    function onFileDone(file: IngestFileResult) {
      const name = names.current.get(file.path) ?? basename(file.path);
      if (file.outcome === 'unchanged') setNotice(`${name} is already in your library.`);
      if (file.outcome === 'cancelled') setNotice(`Adding ${name} was stopped; add it again to resume.`);
      // A failure with a document keeps its row (and error) in the list; one without stays here.
      update(file.path, (f) =>
        file.outcome === 'failed' && file.documentId === null ? { ...f, phase: 'failed', error: file.error } : null,
      );
    }
    return () => offs.forEach((off) => off());
  }, [client, refresh]);

  const addFiles = useCallback(
    async (files: readonly File[]) => {
      if (files.length === 0) return;
      setNotice(null);
      const placeholders = files.map((file) => `pending:${file.name}:${file.size}:${file.lastModified}`);
      setIngesting((current) => [
        ...current,
        ...files.map(
          (file, i): IngestingFile => ({
            path: placeholders[i]!,
            name: file.name,
            jobId: null,
            documentId: null,
            pagesDone: 0,
            pagesTotal: null,
            phase: client.door === 'http' ? 'uploading' : 'queued',
            error: null,
          }),
        ),
      ]);
      const started = await client.addFiles(files);
      setIngesting((current) => {
        const rest = current.filter((f) => !placeholders.includes(f.path));
        if (!started.ok) {
          return [...rest, { ...current.find((f) => f.path === placeholders[0])!, path: `failed:${Date.now()}`, name: files.length === 1 ? files[0]!.name : `${files.length} files`, phase: 'failed', error: started.error }];
        }
        for (const added of started.value.files) names.current.set(added.path, added.name);
        // Progress may already have arrived for some paths; keep those entries as they are.
        const fresh = started.value.files
          .filter((added) => !rest.some((f) => f.path === added.path) && !finishedPaths.current.has(`${started.value.jobId}\n${added.path}`))
          .filter(() => !finishedJobs.current.has(started.value.jobId))
          .map(
            (added): IngestingFile => ({
              path: added.path,
              name: added.name,
              jobId: started.value.jobId,
              documentId: null,
              pagesDone: 0,
              pagesTotal: null,
              phase: 'queued',
              error: null,
            }),
          );
        return [...rest.map((f) => (names.current.has(f.path) ? { ...f, name: names.current.get(f.path)! } : f)), ...fresh];
      });
    },
    [client],
  );

  const remove = useCallback(
    async (documentId: number) => {
      const result = await client.removeDocument({ documentId });
      if (!result.ok) setError(result.error.message);
      await refresh();
    },
    [client, refresh],
  );

  const dismiss = useCallback((path: string) => setIngesting((files) => files.filter((f) => f.path !== path)), []);
  const clearNotice = useCallback(() => setNotice(null), []);

  return { documents, loaded, ingesting, notice, error, addFiles, remove, dismiss, clearNotice };
}
