import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { BACKEND_NAMES } from '../../../preload/contract/index.js';
import type { DocentClient } from '../api/client.js';
import type { ModelState } from '../state/useModel.js';
import { basename, bytes } from '../format.js';
import { Icon } from './Icon.js';

export function ModelPanel({ client, model }: { client: DocentClient; model: ModelState }) {
  const [path, setPath] = useState('');
  const [changing, setChanging] = useState(false);
  const status = model.status;
  const loaded = status?.chatModel ?? null;
  const showForm = !loaded || changing;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = path.trim();
    if (!chosen) return;
    if (await model.load(chosen)) {
      setChanging(false);
      setPath('');
    }
  };

  const device = status ? [BACKEND_NAMES[status.backend], ...status.deviceNames].filter(Boolean).join(' · ') : '';
  const memory = status?.vram ? `${bytes(status.vram.total - status.vram.used)} of ${bytes(status.vram.total)} VRAM free` : status ? `${bytes(status.ram.used)} used, ${bytes(status.ram.free)} of ${bytes(status.ram.total)} RAM free` : '';

  return (
    <section className="model" aria-labelledby="model-heading">
      <header className="section-head">
        <h2 id="model-heading">Model</h2>
        {loaded && !changing && (
          <button type="button" className="ghost small" onClick={() => setChanging(true)}>
            Change
          </button>
        )}
      </header>
      {model.loading ? (
        <div className="model-loading">
          <p>
            Loading <strong>{basename(model.loading.path)}</strong>… {Math.round(model.loading.progress * 100)}%
          </p>
          <div
            className="progress"
            role="progressbar"
            aria-label="Loading the chat model"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(model.loading.progress * 100)}
          >
            <span style={{ width: `${model.loading.progress * 100}%` }} />
          </div>
        </div>
      ) : loaded ? (
        <div className="model-loaded">
          <p className="model-name" title={loaded.path}>
            <span className="dot ok" aria-hidden="true" />
            {loaded.name}
          </p>
          <p className="model-meta">
            {device}
            {loaded.contextSize ? ` · ${loaded.contextSize.toLocaleString()}-token context` : ''}
          </p>
        </div>
      ) : (
        <div className="model-none">
          <p className="model-name">
            <span className="dot" aria-hidden="true" />
            No chat model loaded
          </p>
          <p className="model-meta">
            A configured model loads with the first question. If none is configured, choose a GGUF chat model file on this machine.
          </p>
        </div>
      )}
      {status && !model.loading && <p className="model-meta subtle">{loaded ? memory : `${device} · ${memory}`}</p>}
      {showForm && !model.loading && (
        <form className="model-form" onSubmit={(e) => void submit(e)}>
          <GgufPathField client={client} label="Chat model file (GGUF)" placeholder="/path/to/model.gguf" value={path} onChange={setPath} />
          <div className="model-row">
            <button type="submit" className="secondary small" disabled={!path.trim()}>
              <Icon name="chip" size={15} /> Load model
            </button>
            {changing && (
              <button type="button" className="ghost small" onClick={() => setChanging(false)}>
                Cancel
              </button>
            )}
          </div>
        </form>
      )}
      {model.error && <ErrorLine message={model.error} />}
      {model.embedding === null &&
        (model.embeddingFile ? (
          <p className="model-meta">Embedding model: {basename(model.embeddingFile)}, used from the first PDF you add.</p>
        ) : (
          <EmbeddingModelForm client={client} model={model} />
        ))}
    </section>
  );
}

/**
 * Why a model could not be used, announced and scrolled into sight: the model panel is last in
 * the sidebar, so in a short window or beside a long library its error would be below the fold.
 * It stays in sight while the panel grows above it (the runtime's backend and memory line often
 * arrives after a missing file's error): a ResizeObserver calls back on every change of the
 * panel's size, the first one included, and `nearest` scrolls only what is out of sight. Once
 * the user has scrolled it out of sight, it is left there.
 */
function ErrorLine({ message }: { message: string }) {
  const line = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    const element = line.current;
    const panel = element?.closest('section');
    if (!element || !panel) return;
    // As of the last frame; a resize is seen before the visibility it changes.
    let inSight = true;
    const visibility = new IntersectionObserver(([entry]) => {
      if (entry) inSight = entry.isIntersecting;
    });
    const resizes = new ResizeObserver(() => {
      // A block, not an expression: Chromium's scrollIntoView returns a promise.
      if (inSight) void element.scrollIntoView({ block: 'nearest' });
    });
    visibility.observe(element);
    resizes.observe(panel);
    return () => {
      visibility.disconnect();
      resizes.disconnect();
    };
  }, [message]);
  return (
    <p ref={line} className="doc-error" role="alert">
      {message}
    </p>
  );
}

/** A new library needs an embedding model before it can index anything. */
function EmbeddingModelForm({ client, model }: { client: DocentClient; model: ModelState }) {
  const [path, setPath] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (path.trim() && (await model.setEmbedding(path.trim()))) setPath('');
  };
  return (
    <form className="model-form" onSubmit={(e) => void submit(e)}>
      <p className="model-meta">
        No embedding model yet: the library needs one to index PDFs. Choose a GGUF embedding model file on this machine (see models/catalog.json).
      </p>
      <GgufPathField client={client} label="Embedding model file (GGUF)" placeholder="/path/to/embedding-model.gguf" value={path} onChange={setPath} />
      <div className="model-row">
        <button type="submit" className="secondary small" disabled={!path.trim()}>
          <Icon name="chip" size={15} /> Use embedding model
        </button>
      </div>
      {model.embeddingError && <ErrorLine message={model.embeddingError} />}
    </form>
  );
}

/** A GGUF file's path on this machine: typed, or (in the desktop app) picked with a file dialog. */
function GgufPathField(props: { client: DocentClient; label: string; placeholder: string; value: string; onChange: (path: string) => void }) {
  const { client, label, placeholder, value, onChange } = props;
  const fieldId = useId();
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <label htmlFor={fieldId}>{label}</label>
      <div className="model-row">
        <input id={fieldId} type="text" spellCheck={false} autoComplete="off" placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
        {client.door === 'electron' && (
          <>
            <button type="button" className="ghost small" onClick={() => picker.current?.click()}>
              Choose…
            </button>
            <input
              ref={picker}
              hidden
              tabIndex={-1}
              type="file"
              accept=".gguf"
              onChange={(e) => {
                const file = e.target.files?.[0];
                const chosen = file ? client.pathForFile(file) : null;
                if (chosen) onChange(chosen);
                e.target.value = '';
              }}
            />
          </>
        )}
      </div>
    </>
  );
}
