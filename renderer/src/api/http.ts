import {
  err,
  events,
  methods,
  type DocentApi,
  type EventListener,
  type EventName,
  type MethodName,
  type Result,
} from '../../../preload/contract/index.js';
import type { AddedFile, ConnectionState, DocentClient } from './types.js';

const TOKEN_KEY = 'docent.token';

/**
 * The per-launch token arrives once in the address (`?token=`); keep it for this tab only and
 * take it out of the address bar, so it is not bookmarked, shared or left in history.
 */
export function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
}

const UNREACHABLE = 'Docent is not reachable. Is it still running? Start it again and open the address it prints.';

async function resultOf<T>(response: Response): Promise<Result<T>> {
  try {
    return (await response.json()) as Result<T>;
  } catch {
    return err('INTERNAL', `Docent answered ${response.status} without a result.`);
  }
}

/** The contract over the loopback HTTP door: POST /api/<method>, events from /api/events. */
export function httpClient(): DocentClient {
  const token = takeToken();
  const auth = { Authorization: `Bearer ${token}` };

  async function post<T>(path: string, body: BodyInit, contentType: string): Promise<Result<T>> {
    let response: Response;
    try {
      response = await fetch(`/api/${path}`, { method: 'POST', headers: { ...auth, 'Content-Type': contentType }, body });
    } catch {
      return err('INTERNAL', UNREACHABLE);
    }
    return resultOf<T>(response);
  }

  const api = Object.fromEntries(
    (Object.keys(methods) as MethodName[]).map((name) => [name, (input: unknown) => post(name, JSON.stringify(input ?? {}), 'application/json')]),
  ) as unknown as DocentApi;

  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<(state: ConnectionState, reopened: boolean) => void>();
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  const setState = (next: ConnectionState, reopened = false) => {
    state = next;
    for (const listener of connectionListeners) listener(next, reopened);
  };

  const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  source.addEventListener('open', () => {
    const reopened = everOpened;
    everOpened = true;
    setState('open', reopened);
  });
  source.addEventListener('error', () => {
    // EventSource retries by itself while CONNECTING; CLOSED means the server refused us.
    if (source.readyState === EventSource.CLOSED) setState(everOpened ? 'closed' : 'unauthorized');
    else if (everOpened) setState('lost');
  });
  for (const name of Object.keys(events) as EventName[]) {
    source.addEventListener(name, (message: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const parsed = events[name].safeParse(data);
      if (!parsed.success) return;
      for (const listener of listeners.get(name) ?? []) listener(parsed.data);
    });
  }

  return {
    ...api,
    door: 'http',
    on<E extends EventName>(event: E, listener: EventListener<E>) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    async addFiles(files) {
      const added: AddedFile[] = [];
      for (const file of files) {
        const uploaded = await post<{ path: string }>(`upload?name=${encodeURIComponent(file.name)}`, file, 'application/octet-stream');
        if (!uploaded.ok) return uploaded;
        added.push({ name: file.name, path: uploaded.value.path });
      }
      if (added.length === 0) return err('INVALID_INPUT', 'No files to add.');
      const started = await api.ingest({ paths: added.map((f) => f.path) });
      return started.ok ? { ok: true, value: { jobId: started.value.jobId, files: added } } : started;
    },
    async documentData(documentId) {
      let response: Response;
      try {
        response = await fetch(`/api/documents/${documentId}/file`, { headers: auth });
      } catch {
        throw new Error(UNREACHABLE);
      }
      if (!response.ok) {
        const result = await resultOf<never>(response);
        throw new Error(result.ok ? `Docent answered ${response.status}.` : result.error.message);
      }
      return new Uint8Array(await response.arrayBuffer());
    },
    pathForFile: () => null,
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(state, false);
      return () => connectionListeners.delete(listener);
    },
  };
}
