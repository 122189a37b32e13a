import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  DOCUMENT_DATA_CHANNEL,
  EVENT_CHANNEL,
  events,
  methodChannel,
  methods,
  type DocentApi,
  type DocentBridge,
  type EventName,
  type MethodName,
  type Result,
} from './contract/index.js';

/**
 * `window.docent`: exactly the contract, built from its method and event lists. The page never
 * sees ipcRenderer or an IPC event object. Sandboxed preloads cannot import, so the build
 * bundles this file (and the contract) into dist/preload/index.cjs.
 */

const api = Object.fromEntries(
  (Object.keys(methods) as MethodName[]).map((method) => [method, (input: unknown) => ipcRenderer.invoke(methodChannel(method), input)]),
) as DocentApi;

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  for (const listener of listeners.get(name as EventName) ?? []) {
    try {
      listener(payload);
    } catch (error) {
      console.error(`A listener of ${String(name)} failed:`, error);
    }
  }
});

const bridge: DocentBridge = {
  ...api,
  on(event, listener) {
    if (!Object.hasOwn(events, event)) throw new Error(`Unknown event ${String(event)}.`);
    if (typeof listener !== 'function') throw new Error('A listener must be a function.');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const entry = listener as (payload: unknown) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  },
  getPathForFile(file) {
    return webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
  },
  async documentData(documentId) {
    const result = (await ipcRenderer.invoke(DOCUMENT_DATA_CHANNEL, documentId)) as Result<Uint8Array>;
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  },
};

contextBridge.exposeInMainWorld('docent', bridge);
