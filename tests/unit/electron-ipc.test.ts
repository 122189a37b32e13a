import { describe, expect, it, vi } from 'vitest';
import { createIpcTable, guardedHandler, ipcRoutes, UntrustedSenderError, type IpcTable } from '../../main/electron/ipc.js';
import { readDocumentData } from '../../main/electron/documents.js';
import {
  DOCUMENT_DATA_CHANNEL,
  EVENT_CHANNEL,
  methodChannel,
  methods,
  ok,
  type DocentApi,
  type DocumentInfo,
  type MethodName,
} from '../../preload/contract/index.js';

// No 'electron' import anywhere here: these run where Electron's binary is missing.

function fakeApi() {
  const calls: { method: string; input: unknown }[] = [];
  const api = Object.fromEntries(
    Object.keys(methods).map((method) => [
      method,
      vi.fn(async (input: unknown) => {
        calls.push({ method, input });
        return ok({ echoed: input });
      }),
    ]),
  ) as unknown as DocentApi;
  return { api, calls };
}

const contractMethods = Object.keys(methods).sort();

describe('the IPC door is built from the contract', () => {
  it('has one handler per contract method, no more, no fewer', () => {
    expect(Object.keys(createIpcTable(fakeApi().api)).sort()).toEqual(contractMethods);
  });

  it('does not compile without every method', () => {
    // @ts-expect-error a handler table that misses contract methods is a type error
    const missing: IpcTable = { ingest: async () => ok({ jobId: 'x' }) };
    expect(Object.keys(missing)).toEqual(['ingest']);
  });

  it('answers one channel per method plus the document bytes, all distinct from the event channel', () => {
    const routes = ipcRoutes(createIpcTable(fakeApi().api), async () => ok(new Uint8Array()));
    const channels = [...routes.keys()].sort();
    expect(channels).toEqual([...contractMethods.map((m) => methodChannel(m as MethodName)), DOCUMENT_DATA_CHANNEL].sort());
    expect(new Set(channels).size).toBe(channels.length);
    expect(channels).not.toContain(EVENT_CHANNEL);
  });
});

describe('every argument is validated with the contract schema', () => {
  it('refuses invalid input without calling the core', async () => {
    const { api, calls } = fakeApi();
    const table = createIpcTable(api);
    for (const [method, input] of [
      ['search', { query: '' }],
      ['search', { query: 'x', k: 1e9 }],
      ['removeDocument', { documentId: -1 }],
      ['removeDocument', { documentId: '1; DROP TABLE' }],
      ['ingest', { paths: [] }],
      ['ask', { question: 'q', adapters: [{ path: 'a.gguf', scale: 99 }] }],
      ['getConversation', 'not an object'],
    ] as const) {
      const result = await table[method](input);
      expect(result.ok, `${method} ${JSON.stringify(input)}`).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('INVALID_INPUT');
    }
    expect(calls).toEqual([]);
  });

  it('passes the parsed input (defaults applied, unknown keys dropped) to the core', async () => {
    const { api, calls } = fakeApi();
    const table = createIpcTable(api);
    expect((await table.search({ query: '  reactor  ', extra: 'dropped' })).ok).toBe(true);
    expect(calls).toEqual([{ method: 'search', input: { query: 'reactor', k: 10, mode: 'hybrid' } }]);
    await table.listDocuments(undefined);
    expect(calls[1]).toEqual({ method: 'listDocuments', input: {} });
  });

  it('turns a thrown error into an INTERNAL result', async () => {
    const { api } = fakeApi();
    (api as unknown as Record<string, unknown>)['libraryInfo'] = async () => {
      throw new Error('boom');
    };
    expect(await createIpcTable(api).libraryInfo({})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });
});

describe('the sender is checked before anything runs', () => {
  it('runs the route for our main frame only', async () => {
    const route = vi.fn(async (input: unknown) => input);
    type FakeEvent = { url: string | null; main: boolean };
    const handler = guardedHandler('docent:search', route, (event: FakeEvent) => ({ frameUrl: event.url, isMainFrame: event.main }));
    await expect(handler({ url: 'app://docent/index.html', main: true }, { query: 'x' })).resolves.toEqual({ query: 'x' });
    await expect(handler({ url: 'app://docent/index.html', main: false }, {})).rejects.toBeInstanceOf(UntrustedSenderError);
    await expect(handler({ url: 'https://evil.example/', main: true }, {})).rejects.toThrow(/did not come from Docent's window/);
    await expect(handler({ url: null, main: true }, {})).rejects.toBeInstanceOf(UntrustedSenderError);
    expect(route).toHaveBeenCalledTimes(1);
  });
});

describe('document bytes for the viewer', () => {
  const doc = (id: number, path: string): DocumentInfo => ({
    id,
    title: `Doc ${id}`,
    path,
    contentHash: 'h',
    pages: 1,
    pagesIndexed: 1,
    imageOnlyPages: [],
    chunks: 1,
    status: 'ready',
    error: null,
    addedAt: '2026-01-01',
  });
  const listed = [doc(1, '/lib/a.pdf'), doc(2, '/lib/gone.pdf')];
  const api = { getDocument: (id: number) => listed.find((d) => d.id === id) ?? null };
  const files: Record<string, Uint8Array> = { '/lib/a.pdf': new Uint8Array([37, 80, 68, 70]), '/etc/passwd': new Uint8Array([1]) };
  const readFile = vi.fn(async (file: string) => {
    const bytes = files[file];
    if (!bytes) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return bytes;
  });

  it('reads only documents the library lists, by id', async () => {
    expect(await readDocumentData(api, 1, readFile)).toEqual({ ok: true, value: new Uint8Array([37, 80, 68, 70]) });
    const unknown = await readDocumentData(api, 3, readFile);
    expect(unknown.ok || unknown.error.code).toBe('NOT_FOUND');
    for (const bad of ['/etc/passwd', '1', 0, -1, 1.5, null, { documentId: 1 }]) {
      const result = await readDocumentData(api, bad, readFile);
      expect(result.ok || result.error.code, JSON.stringify(bad)).toBe('INVALID_INPUT');
    }
    expect(readFile.mock.calls.map(([file]) => file)).toEqual(['/lib/a.pdf']);
  });

  it('says when the file has moved', async () => {
    const gone = await readDocumentData(api, 2, readFile);
    expect(gone.ok || gone.error).toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('/lib/gone.pdf') });
  });
});
