import { CONTENT_SECURITY_POLICY, contentTypeFor, resolveStaticPath } from '../server/security.js';

/**
 * The desktop shell's security decisions, as pure functions (no `electron` import) so they are
 * tested where Electron's binary is missing. main.ts only wires them to Electron's hooks.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'docent';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * `app://` is standard (so it has an origin, relative URLs and 'self' in the CSP) and secure (so
 * the page is a secure context). It does not bypass the CSP.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  stream: true,
  codeCache: true,
} as const;

/** The same policy the HTTP door sends, so the UI behaves alike in the window and the browser. */
export const APP_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY;

/** True for URLs of our own pages: `app://docent/...` (host in any case, as Chromium lowercases it), no credentials, no port. */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host.toLowerCase() === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** will-navigate / will-redirect: the window only ever shows our own pages. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** setWindowOpenHandler: Docent opens no windows, whatever the URL. */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * setPermissionRequestHandler / setPermissionCheckHandler: Docent needs no camera, microphone,
 * location, notifications, clipboard reads, devices or anything else, so every request is denied.
 */
export function permissionDecision(_permission: string, _requestingUrl?: string): boolean {
  return false;
}

export interface SenderInfo {
  /** The sending frame's URL (`event.senderFrame.url`); null when the frame is gone. */
  frameUrl: string | null;
  /** The sender is the main frame of Docent's window (not a subframe, not another window). */
  isMainFrame: boolean;
}

/** IPC is answered only for the main frame of our window showing our own app:// page. */
export function isTrustedSender(sender: SenderInfo): boolean {
  return sender.isMainFrame && isAppUrl(sender.frameUrl);
}

/** The file an app:// request names inside the renderer folder, or null (other host, traversal, malformed). */
export function resolveAppPath(rendererRoot: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  const { pathname } = new URL(requestUrl);
  return resolveStaticPath(rendererRoot, pathname);
}

/** Headers of every app:// response: the CSP travels with the page, not in a meta tag. */
export function appResponseHeaders(file: string): Record<string, string> {
  return {
    'Content-Type': contentTypeFor(file),
    'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/**
 * Every window's webPreferences. The preload is sandboxed (so it is a bundled CommonJS file) and
 * the renderer has no Node.
 */
export function secureWebPreferences(preload: string, options: { devTools: boolean }) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    // A PDF dropped outside the drop zone must not navigate the window to file://.
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: options.devTools,
  } as const;
}
