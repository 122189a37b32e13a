import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCUMENT_DATA_CHANNEL, EVENT_CHANNEL, methods, type DocentBridge, type EventName } from '../../preload/contract/index.js';

// The preload against a stand-in for Electron's renderer modules (the real ones exist only in the binary).
const electron = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  return {
    exposed,
    listeners,
    invoke: vi.fn(async (channel: string, input: unknown): Promise<unknown> => ({ ok: true, value: { channel, input } })),
    getPathForFile: vi.fn((_file: unknown) => '/home/me/a.pdf'),
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  ipcRenderer: {
    invoke: electron.invoke,
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => electron.listeners.set(channel, listener),
  },
  webUtils: { getPathForFile: electron.getPathForFile },
}));

let docent: DocentBridge;

beforeAll(async () => {
  await import('../../preload/index.js');
  docent = electron.exposed.get('docent') as DocentBridge;
});

describe('window.docent', () => {
  it('is exactly the contract plus the shell helpers, and nothing else is exposed', () => {
    expect([...electron.exposed.keys()]).toEqual(['docent']);
    expect(Object.keys(docent).sort()).toEqual([...Object.keys(methods), 'on', 'getPathForFile', 'documentData'].sort());
    for (const value of Object.values(docent)) expect(typeof value).toBe('function');
  });

  it('sends each method on its own channel', async () => {
    expect(await docent.search({ query: 'q' })).toEqual({ ok: true, value: { channel: 'docent:search', input: { query: 'q' } } });
    expect(electron.invoke).toHaveBeenLastCalledWith('docent:search', { query: 'q' });
  });

  it('delivers events without the IPC event object, and unsubscribes', () => {
    const received: unknown[] = [];
    const off = docent.on('chat:token', (payload) => received.push(payload));
    const forward = electron.listeners.get(EVENT_CHANNEL)!;
    const ipcEvent = { sender: { secret: true } };
    forward(ipcEvent, 'chat:token', { answerId: 'a', text: 'Hi' });
    forward(ipcEvent, 'chat:done', { answerId: 'a', answer: null, error: null });
    off();
    forward(ipcEvent, 'chat:token', { answerId: 'a', text: 'again' });
    expect(received).toEqual([{ answerId: 'a', text: 'Hi' }]);
    expect(() => docent.on('nope' as EventName, () => undefined)).toThrow(/Unknown event/);
  });

  it('keeps delivering when one listener throws', () => {
    const received: unknown[] = [];
    const offs = [
      docent.on('model:progress', () => {
        throw new Error('listener bug');
      }),
      docent.on('model:progress', (payload) => received.push(payload)),
    ];
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    electron.listeners.get(EVENT_CHANNEL)!({}, 'model:progress', { path: 'm', progress: 0.5 });
    expect(received).toEqual([{ path: 'm', progress: 0.5 }]);
    expect(error).toHaveBeenCalledOnce();
    offs.forEach((off) => off());
  });

  it('reads document bytes as a Uint8Array and rejects with the message otherwise', async () => {
    electron.invoke.mockResolvedValueOnce({ ok: true, value: new Uint8Array([1, 2]) });
    expect(await docent.documentData(4)).toEqual(new Uint8Array([1, 2]));
    expect(electron.invoke).toHaveBeenLastCalledWith(DOCUMENT_DATA_CHANNEL, 4);
    electron.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'NOT_FOUND', message: 'There is no document with id 9.' } });
    await expect(docent.documentData(9)).rejects.toThrow('There is no document with id 9.');
  });

  it('asks Electron for a dropped file’s path', () => {
    const file = { name: 'a.pdf' };
    expect(docent.getPathForFile(file)).toBe('/home/me/a.pdf');
    expect(electron.getPathForFile).toHaveBeenCalledWith(file);
  });
});
