import os from 'node:os';
import path from 'node:path';
import type { CoreOptions } from './index.js';

/**
 * Where the desktop app keeps its data: the same folder Electron's app.getPath('userData')
 * gives for an app named "Docent", so the CLI and the app share one library.
 */
export function userDataDir(): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Docent');
    case 'win32':
      return path.join(process.env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'Docent');
    default:
      return path.join(process.env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'Docent');
  }
}

/** The library file: DOCENT_DB if set, else library.sqlite in the user data folder. */
export function defaultLibraryPath(): string {
  return process.env['DOCENT_DB'] || path.join(userDataDir(), 'library.sqlite');
}

/** What every door (desktop app, browser fallback, CLI) reads from the environment. */
export function coreOptionsFromEnv(): CoreOptions {
  return {
    dbPath: path.resolve(defaultLibraryPath()),
    embeddingModelPath: process.env['DOCENT_EMBEDDING_MODEL'] || undefined,
    chatModelPath: process.env['DOCENT_MODEL'] || undefined,
  };
}
