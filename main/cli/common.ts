import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import type { ApiError, Result } from '../../preload/contract/index.js';
import { createCore, type Core } from '../core/index.js';
import { coreOptionsFromEnv } from '../core/paths.js';

/** Exit codes: 0 success, 1 the work failed (or some files did), 2 the command was used wrongly. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface CommonOptions {
  db?: string;
  embeddingModel?: string;
  json?: boolean;
}

export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('--db <file>', 'library file (default: DOCENT_DB, else the app library in the user data folder)')
    .option(
      '--embedding-model <file.gguf>',
      'embedding model (default: DOCENT_EMBEDDING_MODEL, else the model the library was built with)',
    )
    .option('--json', 'print machine-readable JSON');
}

/** --model, which `chatModelPath` reads; `what` says what the command does with the model. */
export function modelOption(what = 'chat model'): Option {
  return new Option('--model <file.gguf>', `${what} (default: DOCENT_MODEL)`);
}

/** The chat model a command uses: --model, else DOCENT_MODEL. */
export function chatModelPath(options: { model?: string }): string | undefined {
  return options.model ?? coreOptionsFromEnv().chatModelPath;
}

export function openCore(options: CommonOptions & { model?: string }): Core {
  const fromEnv = coreOptionsFromEnv();
  return createCore({
    dbPath: options.db ? path.resolve(options.db) : fromEnv.dbPath,
    embeddingModelPath: options.embeddingModel ?? fromEnv.embeddingModelPath,
    chatModelPath: chatModelPath(options),
  });
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ExitError(result.error.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED, describe(result.error));
}

export function describe(error: ApiError): string {
  return `${error.message} [${error.code}]`;
}

/** A parser for a whole-number option or argument of at least `min`. */
function wholeNumber(min: number, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(expected);
    return n;
  };
}

export const positiveInt = wholeNumber(1, 'expected a positive whole number.');
export const nonNegativeInt = wholeNumber(0, 'expected a whole number, 0 or more.');

export function collect(value: string, previous: number[] = []): number[] {
  return [...previous, positiveInt(value)];
}

export async function withCore<T>(options: CommonOptions & { model?: string }, work: (core: Core) => Promise<T>): Promise<T> {
  const core = openCore(options);
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

/**
 * Text from a model or a PDF, made safe for a terminal: control characters (escape sequences
 * that could move the cursor, recolour or retitle the terminal, carriage returns that overwrite a
 * line) are dropped; line breaks and tabs stay. JSON output needs none of this: it escapes them.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** Writes text meant for people to stdout, made terminal-safe. */
export function say(text: string): void {
  process.stdout.write(terminalSafe(text));
}

export function print(options: CommonOptions, json: unknown, text: string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else say(`${text}\n`);
}

