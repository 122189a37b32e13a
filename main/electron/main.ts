import { app, BrowserWindow, dialog, ipcMain, protocol, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import fs from 'node:fs/promises';
import path from 'node:path';
import { EVENT_CHANNEL, events, type EventName } from '../../preload/contract/index.js';
import { createCore, type Core } from '../core/index.js';
import { readDocumentData } from './documents.js';
import { createIpcTable, guardedHandler, ipcRoutes } from './ipc.js';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  appResponseHeaders,
  isAllowedNavigation,
  permissionDecision,
  resolveAppPath,
  secureWebPreferences,
  windowOpenDecision,
  type SenderInfo,
} from './security.js';
import { coreOptionsFromEnv } from '../core/paths.js';
import { errorMessage } from '../core/errors.js';

/**
 * The desktop shell: one window onto the core, which runs here in the main process
 * (node-llama-cpp included; PDF parsing runs in the core's worker threads).
 */

// Both must happen before the app is ready.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();

const appRoot = app.getAppPath();
const rendererRoot = path.join(appRoot, 'dist', 'renderer');
const preloadPath = path.join(appRoot, 'dist', 'preload', 'index.cjs');

let window: BrowserWindow | null = null;
let core: Core | null = null;

/** Applied to every web contents Electron creates, not only our window's. */
function harden(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => windowOpenDecision(url));
}

function senderInfo(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  const contents = window && !window.isDestroyed() ? window.webContents : null;
  const mainFrame = contents?.mainFrame;
  const isMainFrame =
    frame !== null &&
    contents !== null &&
    event.sender.id === contents.id &&
    mainFrame !== undefined &&
    frame.parent === null &&
    frame.processId === mainFrame.processId &&
    frame.frameToken === mainFrame.frameToken;
  return { frameUrl: frame?.url ?? null, isMainFrame };
}

async function serveApp(request: Request): Promise<Response> {
  const file = request.method === 'GET' ? resolveAppPath(rendererRoot, request.url) : null;
  if (file) {
    try {
      const body = await fs.readFile(file);
      return new Response(body, { status: 200, headers: appResponseHeaders(file) });
    } catch {
      // Missing or unreadable: a 404 like any other.
    }
  }
  return new Response('Not found.', { status: 404, headers: { ...appResponseHeaders('404.txt'), 'Content-Type': 'text/plain; charset=utf-8' } });
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    title: 'Docent',
    show: false,
    webPreferences: secureWebPreferences(preloadPath, { devTools: !app.isPackaged }),
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => {
    window = null;
  });
  void window.loadURL(APP_ENTRY_URL);
}

async function start(): Promise<void> {
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  await app.whenReady();

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionDecision(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionDecision(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => false);
  protocol.handle(APP_SCHEME, serveApp);

  const opened = createCore(coreOptionsFromEnv());
  core = opened;
  const routes = ipcRoutes(createIpcTable(opened), (input) => readDocumentData(opened, input));
  for (const [channel, route] of routes) ipcMain.handle(channel, guardedHandler(channel, route, senderInfo));
  for (const name of Object.keys(events) as EventName[]) {
    opened.on(name, (payload) => {
      if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, name, payload);
    });
  }

  createWindow();
  app.on('activate', () => {
    if (!window) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// The core stops its jobs and closes the library file before the process ends.
app.on('will-quit', (event) => {
  if (!core) return;
  event.preventDefault();
  const closing = core;
  core = null;
  closing
    .close()
    .catch((error: unknown) => console.error('Docent: closing the library failed:', error))
    .finally(() => app.quit());
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start().catch((error: unknown) => {
    console.error('Docent could not start:', error);
    dialog.showErrorBox('Docent could not start', errorMessage(error));
    app.exit(1);
  });
}
