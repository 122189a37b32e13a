import { err, type DocentBridge } from '../../../preload/contract/index.js';
import type { AddedFile, DocentClient } from './types.js';

/** The Electron door: the preload's window.docent, with paths for dropped files and folders. */
export function bridgeClient(bridge: DocentBridge): DocentClient {
  return {
    ...bridge,
    door: 'electron',
    async addFiles(files) {
      const added: AddedFile[] = files.map((file) => ({ name: file.name, path: bridge.getPathForFile(file) })).filter((f) => f.path);
      if (added.length === 0) return err('INVALID_INPUT', 'Those items are not files on this machine.');
      const started = await bridge.ingest({ paths: added.map((f) => f.path) });
      return started.ok ? { ok: true, value: { jobId: started.value.jobId, files: added } } : started;
    },
    documentData: (documentId) => bridge.documentData(documentId),
    pathForFile: (file) => bridge.getPathForFile(file) || null,
    // IPC does not drop events the way a network stream can.
    onConnection(listener) {
      listener('open', false);
      return () => undefined;
    },
  };
}
