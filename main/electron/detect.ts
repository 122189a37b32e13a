import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorMessage } from '../core/errors.js';

/**
 * Whether Electron can run here, and if not, the real reason. Plain Node: this never imports
 * `electron` as a module, it asks the electron package where its binary is, the way its CLI does.
 */

export type ElectronBinary = { ok: true; executable: string; distDir: string; version: string } | { ok: false; reason: string };
export type ElectronAvailability = { available: true; executable: string; version: string } | { available: false; reason: string };

const requireHere = createRequire(import.meta.url);

/** Written by scripts/ensure-electron.mjs when it installed the package without the binary. */
const NO_BINARY_MARKER = '.docent-no-binary';

function firstLine(error: unknown): string {
  return errorMessage(error).split('\n')[0]!.trim();
}

/** The electron package and its downloaded binary. */
export function findElectronBinary(): ElectronBinary {
  let packageJson: string;
  try {
    packageJson = requireHere.resolve('electron/package.json');
  } catch (error) {
    return {
      ok: false,
      reason:
        'the electron package is not installed (node_modules/electron is missing: Electron is an optional dependency, ' +
        `and npm removes it when its install cannot download the binary). Node says: ${firstLine(error)}`,
    };
  }
  const packageDir = path.dirname(packageJson);
  const { version } = JSON.parse(fs.readFileSync(packageJson, 'utf8')) as { version: string };
  let executable: unknown;
  try {
    executable = requireHere('electron');
  } catch (error) {
    let why = '';
    try {
      why = ` ${fs.readFileSync(path.join(packageDir, NO_BINARY_MARKER), 'utf8').trim()}`;
    } catch {
      // Not installed by our script: Electron's own message is the whole story.
    }
    return {
      ok: false,
      reason: `Electron ${version}'s binary was never downloaded, so require('electron') fails with: "${firstLine(error)}".${why}`,
    };
  }
  if (typeof executable !== 'string' || !fs.existsSync(executable)) {
    return { ok: false, reason: `Electron ${version}'s binary is missing: ${String(executable)} does not exist.` };
  }
  return { ok: true, executable, distDir: path.join(packageDir, 'dist'), version };
}

/** Why no window can open on this display, or null. */
export function displayProblem(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  if (platform !== 'linux' || env['DISPLAY'] || env['WAYLAND_DISPLAY']) return null;
  return 'there is no display to open a window on ($DISPLAY and $WAYLAND_DISPLAY are unset).';
}

/** Runs the binary once as plain Node: catches missing shared libraries or a wrong architecture. */
export function probeBinary(executable: string): string | null {
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  const run = spawnSync(executable, ['-e', 'process.exit(0)'], { env, encoding: 'utf8', timeout: 30_000 });
  if (run.error) return `Electron's binary ${executable} cannot be started: ${run.error.message}`;
  if (run.status !== 0) {
    const detail = `${run.stderr ?? ''}`.trim().split('\n').slice(0, 3).join(' ');
    return `Electron's binary ${executable} exits with ${run.status ?? run.signal}${detail ? `: ${detail}` : ''}`;
  }
  return null;
}

/** Everything `npm start` and the Electron end-to-end tests need: binary, display, a binary that runs. */
export function electronAvailability(env: NodeJS.ProcessEnv = process.env): ElectronAvailability {
  const binary = findElectronBinary();
  if (!binary.ok) return { available: false, reason: binary.reason };
  const display = displayProblem(env);
  if (display) return { available: false, reason: `Electron ${binary.version} is installed, but ${display}` };
  const probe = probeBinary(binary.executable);
  if (probe) return { available: false, reason: probe };
  return { available: true, executable: binary.executable, version: binary.version };
}
