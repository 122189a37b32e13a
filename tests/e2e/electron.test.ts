import fs from 'node:fs';
import path from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { electronAvailability } from '../../main/electron/detect.js';
import { methods } from '../../preload/contract/index.js';
import { GENERATED, REPO_ROOT } from '../fixtures/paths.js';

/**
 * The desktop app, driven through Playwright's Electron launcher. Where Electron's binary is
 * missing (or cannot open a window) the test is skipped, and its name and the log say why.
 */
const availability = electronAvailability();
const skipReason = availability.available ? null : availability.reason;
if (skipReason) console.warn(`tests/e2e/electron.test.ts: skipped: ${skipReason}`);

const title = `the desktop window opens on the library${skipReason ? ` (skipped: ${skipReason})` : ''}`;

describe('Electron shell', () => {
  let app: ElectronApplication | null = null;
  afterAll(async () => {
    await app?.close();
  });

  it.skipIf(!availability.available)(title, async () => {
    if (!availability.available) return;
    const built = ['dist/main/electron/main.js', 'dist/preload/index.cjs', 'dist/renderer/index.html'];
    for (const file of built) expect(fs.existsSync(path.join(REPO_ROOT, file)), `${file} (run npm run build)`).toBe(true);

    const dir = path.join(GENERATED, 'e2e-electron');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const dbPath = path.join(dir, 'library.sqlite');
    const env = { ...process.env, DOCENT_DB: dbPath } as Record<string, string>;
    delete env['ELECTRON_RUN_AS_NODE'];

    app = await electron.launch({ executablePath: availability.executable, args: [REPO_ROOT], env, timeout: 60_000 });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    expect(page.url()).toBe('app://docent/index.html');

    // The page has the contract and nothing of Node.
    const surface = await page.evaluate(() => {
      const scope = globalThis as unknown as { docent?: Record<string, unknown>; require?: unknown; process?: unknown };
      return { keys: Object.keys(scope.docent ?? {}).sort(), require: typeof scope.require, process: typeof scope.process };
    });
    expect(surface.keys).toEqual([...Object.keys(methods), 'on', 'getPathForFile', 'documentData'].sort());
    expect(surface).toMatchObject({ require: 'undefined', process: 'undefined' });

    // A real round trip through IPC into the core, on the library DOCENT_DB names.
    const info = await page.evaluate(async () => {
      const scope = globalThis as unknown as { docent: { libraryInfo(input: object): Promise<unknown> } };
      return scope.docent.libraryInfo({});
    });
    expect(info).toMatchObject({ ok: true, value: { dbPath, documents: 0 } });

    await page.getByRole('heading', { name: 'Library' }).waitFor({ state: 'visible', timeout: 30_000 });
  });
});
