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

/** Why browser mode could not start, in a sentence the user can act on. */
class StartError extends Error {}

async function serveInBrowser(reason: string): Promise<void> {
  process.stderr.write(`Docent: the desktop window cannot open: ${reason}\n`);
  process.stderr.write('Docent: serving the same UI to your browser instead (127.0.0.1 only).\n');
  const [{ createCore }, { builtRendererDir, listenProblem, parsePort, startServer, serveUntilStopped }] = await Promise.all([
    import('../core/index.js'),
    import('../server/http-door.js'),
  ]);
  const typed = process.env['DOCENT_PORT'] ?? '0';
  const port = parsePort(typed);
  if (port === null) throw new StartError(`DOCENT_PORT must be a port from 0 to 65535 (0: any free one); it is "${typed}".`);
  const options = coreOptionsFromEnv();
  const core = createCore(options);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ core, staticDir: builtRendererDir('Docent: '), port });
  } catch (error) {
    await core.close();
    throw new StartError(listenProblem(error, port, { option: 'DOCENT_PORT', anyFree: 'DOCENT_PORT=0' }).message);
  }
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
    // A reason the user can act on is said in a sentence; anything else keeps its stack for a bug report.
    process.stderr.write(`Docent: ${error instanceof StartError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
