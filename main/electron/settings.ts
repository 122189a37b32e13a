import path from 'node:path';
import type { CoreOptions } from '../core/index.js';
import { defaultLibraryPath } from '../core/paths.js';

/** The desktop app and `npm start`'s browser fallback read the same variables as the CLI. */
export function coreOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CoreOptions {
  return {
    dbPath: path.resolve(env['DOCENT_DB'] || defaultLibraryPath()),
    embeddingModelPath: env['DOCENT_EMBEDDING_MODEL'] || undefined,
    chatModelPath: env['DOCENT_MODEL'] || undefined,
  };
}
