import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_CONTENT_SECURITY_POLICY,
  APP_ENTRY_URL,
  APP_SCHEME_PRIVILEGES,
  appResponseHeaders,
  isAllowedNavigation,
  isAppUrl,
  isTrustedSender,
  permissionDecision,
  resolveAppPath,
  secureWebPreferences,
  windowOpenDecision,
} from '../../main/electron/security.js';

// These run where Electron's binary is missing: nothing here may import 'electron'.
const root = path.resolve('/opt/docent/dist/renderer');

const FOREIGN_URLS = [
  'https://example.com/',
  'http://127.0.0.1:8080/',
  'file:///etc/passwd',
  'file:///opt/docent/dist/renderer/index.html',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'blob:app://docent/1234',
  'about:blank',
  'app://evil/index.html',
  'app://docent.evil/index.html',
  'app://docent:8080/index.html',
  'app://user:pass@docent/index.html',
  'apps://docent/index.html',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  '',
  'not a url',
];

describe('navigation and new windows', () => {
  it('allows only our own app:// pages', () => {
    expect(isAllowedNavigation(APP_ENTRY_URL)).toBe(true);
    expect(isAllowedNavigation('app://docent/index.html#/chat/3')).toBe(true);
    expect(isAllowedNavigation('app://DOCENT/index.html')).toBe(true);
    for (const url of FOREIGN_URLS) expect(isAllowedNavigation(url), url).toBe(false);
  });

  it('denies every window.open, even to our own pages', () => {
    for (const url of [APP_ENTRY_URL, ...FOREIGN_URLS]) expect(windowOpenDecision(url)).toEqual({ action: 'deny' });
  });
});

describe('permissions', () => {
  it('denies every permission, whoever asks', () => {
    const permissions = [
      'media',
      'geolocation',
      'notifications',
      'midi',
      'midiSysex',
      'pointerLock',
      'fullscreen',
      'openExternal',
      'clipboard-read',
      'clipboard-sanitized-write',
      'display-capture',
      'hid',
      'serial',
      'usb',
      'idle-detection',
      'storage-access',
      'unknown',
    ];
    for (const permission of permissions) {
      expect(permissionDecision(permission, APP_ENTRY_URL), permission).toBe(false);
      expect(permissionDecision(permission, 'https://example.com/'), permission).toBe(false);
      expect(permissionDecision(permission), permission).toBe(false);
    }
  });
});

describe('IPC senders', () => {
  it('trusts only the main frame of our window on an app:// page', () => {
    expect(isTrustedSender({ frameUrl: APP_ENTRY_URL, isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ frameUrl: 'app://docent/other.html?x=1', isMainFrame: true })).toBe(true);
  });
  it('refuses subframes, other windows, gone frames and foreign pages', () => {
    expect(isTrustedSender({ frameUrl: APP_ENTRY_URL, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ frameUrl: null, isMainFrame: true })).toBe(false);
    for (const url of FOREIGN_URLS) expect(isTrustedSender({ frameUrl: url, isMainFrame: true }), url).toBe(false);
  });
});

describe('app:// never leaves the renderer folder', () => {
  it('maps our URLs to files inside it', () => {
    expect(resolveAppPath(root, 'app://docent/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, APP_ENTRY_URL)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://docent/assets/index-abc.js?v=2#x')).toBe(path.join(root, 'assets/index-abc.js'));
    expect(resolveAppPath(root, 'app://docent/pdfjs/standard_fonts/FoxitSans.pfb')).toBe(path.join(root, 'pdfjs/standard_fonts/FoxitSans.pfb'));
    expect(resolveAppPath(root, 'app://docent/a%20b.css')).toBe(path.join(root, 'a b.css'));
  });

  it('refuses traversal in every spelling, other hosts and other schemes', () => {
    const attempts = [
      'app://docent/%2E%2E%2Fpackage.json',
      'app://docent/..%2f..%2fpackage.json',
      'app://docent/..%5c..%5cpackage.json',
      'app://docent/%5c..%5cpackage.json',
      'app://docent/a%00.js',
      'app://docent/%E0%A4%A',
      'app://evil/index.html',
      'app://docent.evil/index.html',
      'file:///opt/docent/dist/renderer/index.html',
      'https://docent/index.html',
      'not a url',
    ];
    for (const attempt of attempts) expect(resolveAppPath(root, attempt), attempt).toBeNull();
  });

  it('keeps URL-normalised dot segments inside the folder', () => {
    // The URL parser removes ../ (and %2e%2e/, a dot segment too) before we see the path; what is left must still be inside.
    const urls = [
      'app://docent/../../etc/passwd',
      'app://docent/assets/../../../package.json',
      'app://docent/%2e%2e/%2e%2e/package.json',
      'app://docent/%2e%2e',
      'app://docent/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    ];
    for (const url of urls) {
      const file = resolveAppPath(root, url);
      expect(file === null || file.startsWith(root + path.sep), url).toBe(true);
    }
  });
});

describe('what the window gets', () => {
  it('sends a strict CSP with every app:// response', () => {
    const headers = appResponseHeaders(path.join(root, 'index.html'));
    expect(headers['Content-Security-Policy']).toBe(APP_CONTENT_SECURITY_POLICY);
    expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(appResponseHeaders('x/pdf.worker.mjs')['Content-Type']).toMatch(/^text\/javascript/);
    expect(appResponseHeaders('x/unknown.bin')['Content-Type']).toBe('application/octet-stream');

    const directives = new Map(APP_CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(APP_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval/);
  });

  it('isolates and sandboxes the window, with no Node in the page', () => {
    const prefs = secureWebPreferences('/opt/docent/dist/preload/index.cjs', { devTools: false });
    expect(prefs).toMatchObject({
      preload: '/opt/docent/dist/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('registers app:// as a standard, secure scheme that does not bypass the CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
  });
});
