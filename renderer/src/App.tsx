import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { createClient, type ConnectionState, type DocentClient } from './api/client.js';
import { filesFromDrop } from './api/files.js';
import { forgetPdf } from './pdf/cache.js';
import { useChat } from './state/useChat.js';
import { useLibrary } from './state/useLibrary.js';
import { useModel } from './state/useModel.js';
import type { OpenSource } from './components/AnswerView.js';
import { ChatPanel } from './components/ChatPanel.js';
import { Conversations } from './components/Conversations.js';
import { Icon } from './components/Icon.js';
import { LibraryPanel } from './components/LibraryPanel.js';
import { ModelPanel } from './components/ModelPanel.js';
import type { ViewerTarget } from './components/Viewer.js';

// pdf.js is most of the bundle; it loads when the first citation is opened.
const Viewer = lazy(() => import('./components/Viewer.js').then((m) => ({ default: m.Viewer })));

function ConnectionBanner({ state }: { state: ConnectionState }) {
  if (state === 'open' || state === 'connecting') return null;
  return (
    <p className="banner error top" role="alert">
      {state === 'unauthorized'
        ? 'This page cannot reach Docent. Open the address Docent printed when it started (it includes a one-time token).'
        : state === 'closed'
          ? 'Docent has stopped or restarted. Open the address it printed when it started.'
          : 'The connection to Docent was lost. Reconnecting…'}
    </p>
  );
}

const hasFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

export function App({ client = defaultClient() }: { client?: DocentClient }) {
  const library = useLibrary(client);
  const chat = useChat(client);
  const model = useModel(client);
  const [viewer, setViewer] = useState<ViewerTarget | null>(null);
  const [dragging, setDragging] = useState(false);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const fileInput = useRef<HTMLInputElement>(null);
  const dragDepth = useRef(0);

  useEffect(() => client.onConnection((state) => setConnection(state)), [client]);

  // The citation that opened the viewer gets the focus back when it closes (Esc or ×).
  const opener = useRef<HTMLElement | null>(null);
  const openSource = useCallback<OpenSource>((target) => {
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && focused !== document.body && !focused.closest('.viewer')) opener.current = focused;
    setViewer({ ...target, nonce: Date.now() });
  }, []);
  const closeViewer = useCallback(() => {
    setViewer(null);
    if (opener.current?.isConnected) opener.current.focus();
    opener.current = null;
  }, []);
  const choose = useCallback(() => fileInput.current?.click(), []);

  // A removed document's PDF is closed; the viewer keeps only what the citation copied.
  const ids = useMemo(() => new Set(library.documents.map((d) => d.id)), [library.documents]);
  const previous = useRef(ids);
  // Documents this window listed and then saw go: a citation of one shows no page. One it never
  // listed (ingested from the command line since) may well be there: its PDF is asked for.
  const [removedIds, setRemovedIds] = useState<ReadonlySet<number>>(new Set());
  useEffect(() => {
    const gone = [...previous.current].filter((id) => !ids.has(id));
    for (const id of gone) forgetPdf(id);
    if (gone.length > 0) setRemovedIds((removed) => new Set([...removed, ...gone]));
    previous.current = ids;
  }, [ids]);

  const onDrop = async (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    const files = client.door === 'electron' ? [...event.dataTransfer.files] : await filesFromDrop(event.dataTransfer);
    await library.addFiles(files);
  };

  return (
    <div
      className={`app${viewer ? ' with-viewer' : ''}`}
      onDragEnter={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        dragDepth.current++;
        setDragging(true);
      }}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={(event) => void onDrop(event)}
    >
      <ConnectionBanner state={connection} />
      {/* The first Tab stop: the question box comes after every document and conversation. */}
      <a
        className="skip-link"
        href="#question"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('question')?.focus();
        }}
      >
        Skip to the question
      </a>
      <aside className="sidebar" aria-label="Library and conversations">
        <div className="brand">
          <Icon name="book" size={20} />
          <span>Docent</span>
        </div>
        <LibraryPanel library={library} onChoose={choose} />
        <Conversations chat={chat} />
        <ModelPanel client={client} model={model} />
      </aside>
      <ChatPanel chat={chat} model={model} documentCount={library.documents.filter((d) => d.status !== 'failed').length} onOpen={openSource} onAddDocuments={choose} />
      {viewer && (
        <Suspense fallback={<section className="viewer" aria-label="Document viewer" aria-busy="true" />}>
          <Viewer client={client} target={viewer} removed={removedIds.has(viewer.documentId) && !ids.has(viewer.documentId)} onClose={closeViewer} />
        </Suspense>
      )}
      <input
        ref={fileInput}
        type="file"
        accept=".pdf,application/pdf"
        multiple
        hidden
        aria-label="Add documents"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = '';
          void library.addFiles(files);
        }}
      />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>
            <Icon name="upload" size={36} />
            <p>Drop PDFs or folders to add them to your library</p>
          </div>
        </div>
      )}
    </div>
  );
}

let shared: DocentClient | null = null;
function defaultClient(): DocentClient {
  return (shared ??= createClient());
}
