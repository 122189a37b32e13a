import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { characterCount, type ApiError, type ErrorCode, type Result } from '../../preload/contract/index.js';
import { createCore, type Core } from '../core/index.js';
import { coreOptionsFromEnv } from '../core/paths.js';
import { withoutControlCharacters } from '../core/text.js';

/** Exit codes: 0 success, 1 the work failed (or some files did), 2 the command was used wrongly. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Its output was closed (docent docs | head -1): the status a shell gives a command SIGPIPE ended. */
export const EXIT_OUTPUT_CLOSED = 141;

export interface CommonOptions {
  db?: string;
  embeddingModel?: string;
  json?: boolean;
}

/** Ends the command: `docent: message [CODE]` on stderr (and `{"error"}` on stdout with --json), then the exit code. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly code: ErrorCode = exitCode === EXIT_USAGE ? 'INVALID_INPUT' : 'INTERNAL',
  ) {
    super(message);
  }
}

/** The command was used wrongly: exit 2, INVALID_INPUT. */
export function usageError(message: string): ExitError {
  return new ExitError(EXIT_USAGE, message, 'INVALID_INPUT');
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('--db <file>', 'library file (default: DOCENT_DB, else the app library in the user data folder)', fileName)
    .option(
      '--embedding-model <file.gguf>',
      'embedding model (default: DOCENT_EMBEDDING_MODEL, else the model the library was built with)',
      fileName,
    )
    .option('--json', 'print machine-readable JSON');
}

/** --model, which `chatModelPath` reads; `what` says what the command does with the model. */
export function modelOption(what = 'chat model'): Option {
  return new Option('--model <file.gguf>', `${what} (default: DOCENT_MODEL)`).argParser(fileName);
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
  throw apiExit(result.error);
}

/** The exit for an error the core reported: INVALID_INPUT is a usage error, the rest a failure. */
export function apiExit(error: ApiError): ExitError {
  return new ExitError(error.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED, messageLine(error.message), error.code);
}

export function describe(error: ApiError): string {
  return `${messageLine(error.message)} [${error.code}]`;
}

/**
 * A message on one line. The core's schema errors are zod's pretty form ("✖ Too big: … → at k"),
 * for a limit the command line did not check itself; they read as "k: Too big: …".
 */
function messageLine(message: string): string {
  const issues = [...message.matchAll(/^✖ (.*)(?:\n\s*→ at (.*))?$/gm)];
  if (issues.length === 0) return message.replace(/\s*\n\s*/g, ' ');
  return issues.map(([, text, at]) => (at ? `${at}: ${text}` : text)).join('; ');
}

/** A file name option: an empty one (--db "") would silently mean the default, so it is a usage error. */
export function fileName(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('it is empty: give a file name.');
  return value;
}

/** A parser for a whole number from `min` to `max` (by default, any JavaScript counts exactly). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number'): (value: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? (min === 0 ? ', 0 or more' : `, ${min} or more`) : ` from ${min} to ${max}`;
  return (value) => {
    const n = Number(value.trim());
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${what}${range}.`);
    }
    return n;
  };
}

export const nonNegativeInt = wholeNumber(0);
export const documentId = wholeNumber(1, undefined, 'a document id, a whole number');
export const conversationId = wholeNumber(1, undefined, 'a conversation id, a whole number');

/** --doc, repeatable. */
export function collectDocuments(value: string, previous: number[] = []): number[] {
  return [...previous, documentId(value)];
}

/**
 * Text a command sends the core, checked here against the contract's limit so that a person reads
 * "the question is 4,500 characters long" rather than a schema's message.
 */
export function checkText(what: string, text: string, max: number): string {
  if (text.trim() === '') throw usageError(`The ${what} is empty.`);
  const long = tooLong(what, text, max);
  if (long) throw usageError(long);
  return text;
}

/** "The question is 4500 characters long; at most 4000.", or null when it fits. */
export function tooLong(what: string, text: string, max: number): string | null {
  const length = characterCount(text);
  return length > max ? `The ${what} is ${length} characters long; at most ${max}.` : null;
}

/** Opens the library for `work` and closes it after. */
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
  return withoutControlCharacters(text);
}

/** Writes text meant for people to stdout, made terminal-safe. */
export function say(text: string): void {
  process.stdout.write(terminalSafe(text));
}

export function print(options: CommonOptions, json: unknown, text: string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else say(`${text}\n`);
}

