import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronAvailability } from './detect.js';
import { coreOptionsFromEnv } from '../core/paths.js';

/**
 * `npm start` (after scripts/start.mjs has built what changed). Plain Node: opens the desktop
 * window when Electron can run here; otherwise says exactly why and serves the same UI to a
 * browser through the HTTP door, with the same core and the same settings (DOCENT_DB,
 * DOCENT_MODEL, DOCENT_EMBEDDING_MODEL).
 */

/** The app folder Electron is started on: its package.json names dist/main/electron/main.js. */
export const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function runElectron(executable: string, args: string[]): void {
  const env = { ...process.env };
  delete env['ELECTRON_RUN_AS_NODE'];
  const child = spawn(executable, [APP_ROOT, ...args], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function serveInBrowser(reason: string): Promise<void> {
  process.stderr.write(`Docent: the desktop window cannot open: ${reason}\n`);
  process.stderr.write('Docent: serving the same UI to your browser instead (127.0.0.1 only).\n');
  const [{ createCore }, { builtRendererDir, startServer, serveUntilStopped }] = await Promise.all([import('../core/index.js'), import('../server/http-door.js')]);
  const options = coreOptionsFromEnv();
  const core = createCore(options);
  const port = Number(process.env['DOCENT_PORT'] ?? 0);
  const server = await startServer({ core, staticDir: builtRendererDir('Docent: '), ...(Number.isInteger(port) && port > 0 ? { port } : {}) });
  process.stderr.write(`Docent: library ${options.dbPath}. Open this URL (it carries this launch's token); Ctrl-C stops.\n`);
  process.stdout.write(`${server.url}\n`);
  await serveUntilStopped(server, core);
}

export async function launch(args: string[] = process.argv.slice(2)): Promise<void> {
  const electron = electronAvailability();
  if (electron.available) runElectron(electron.executable, args);
  else await serveInBrowser(electron.reason);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  launch().catch((error: unknown) => {
    process.stderr.write(`Docent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
