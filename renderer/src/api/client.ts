import type { DocentBridge } from '../../../preload/contract/index.js';
import { bridgeClient } from './bridge.js';
import { httpClient } from './http.js';
import type { DocentClient } from './types.js';

export type { AddedFile, ConnectionState, DocentClient } from './types.js';

declare global {
  interface Window {
    docent?: DocentBridge;
  }
}

/** Electron's preload exposes the contract as window.docent; anywhere else, the HTTP door. */
export function createClient(): DocentClient {
  return window.docent ? bridgeClient(window.docent) : httpClient();
}
