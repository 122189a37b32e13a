import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import path from 'node:path';
import type { ApiError, Result } from '../../preload/contract/index.js';
import { createCore, type Core } from '../core/index.js';
import { defaultLibraryPath } from '../core/paths.js';
import { documentsTable, fileOutcome, hitsText } from './output.js';

/** Exit codes: 0 success, 1 the work failed (or some files did), 2 the command was used wrongly. */
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

interface CommonOptions {
  db?: string;
  embeddingModel?: string;
  json?: boolean;
}

class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

function withCommonOptions(command: Command): Command {
  return command
    .option('--db <file>', 'library file (default: DOCENT_DB, else the app library in the user data folder)')
    .option(
      '--embedding-model <file.gguf>',
      'embedding model (default: DOCENT_EMBEDDING_MODEL, else the model the library was built with)',
    )
    .option('--json', 'print machine-readable JSON');
}

function openCore(options: CommonOptions): Core {
  return createCore({
    dbPath: path.resolve(options.db ?? defaultLibraryPath()),
    embeddingModelPath: options.embeddingModel ?? (process.env['DOCENT_EMBEDDING_MODEL'] || undefined),
  });
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ExitError(result.error.code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILED, describe(result.error));
}

function describe(error: ApiError): string {
  return `${error.message} [${error.code}]`;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
}

function collect(value: string, previous: number[] = []): number[] {
  return [...previous, positiveInt(value)];
}

async function withCore<T>(options: CommonOptions, work: (core: Core) => Promise<T>): Promise<T> {
  const core = openCore(options);
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

function print(options: CommonOptions, json: unknown, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

async function ingestCommand(paths: string[], options: CommonOptions): Promise<void> {
  await withCore(options, async (core) => {
    const { jobId } = unwrap(await core.ingest({ paths }));
    const interactive = !options.json && process.stderr.isTTY;
    const bars = interactive
      ? new cliProgress.MultiBar(
          { format: ' {bar} {value}/{total} pages  {file}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
      : null;
    const perFile = new Map<string, cliProgress.SingleBar>();
    core.on('ingest:progress', (event) => {
      if (!bars || event.jobId !== jobId || event.pagesTotal === null) return;
      let bar = perFile.get(event.path);
      if (!bar) perFile.set(event.path, (bar = bars.create(event.pagesTotal, 0, { file: path.basename(event.path) })));
      bar.setTotal(event.pagesTotal);
      bar.update(event.pagesDone);
    });
    core.on('ingest:file', (event) => {
      if (event.jobId !== jobId || options.json) return;
      const bar = perFile.get(event.file.path);
      if (bar) bars?.remove(bar);
      if (bars) bars.log(`${fileOutcome(event.file)}\n`);
      else process.stdout.write(`${fileOutcome(event.file)}\n`);
    });
    // Ctrl-C: committed page batches are durable; running the same command again resumes.
    process.once('SIGINT', () => {
      bars?.stop();
      process.stderr.write('\nInterrupted. Pages indexed so far are kept; run the same command again to resume.\n');
      process.exit(130);
    });
    const files = await core.waitForIngest(jobId);
    bars?.stop();
    const failed = files.filter((f) => f.outcome === 'failed' || f.outcome === 'cancelled');
    if (options.json) process.stdout.write(`${JSON.stringify({ files })}\n`);
    else if (files.length === 0) process.stdout.write('No PDF files found.\n');
    else {
      process.stdout.write(
        `\n${files.length - failed.length} of ${files.length} file(s) in the library${failed.length ? `, ${failed.length} failed` : ''}.\n`,
      );
    }
    if (files.length === 0) throw new ExitError(EXIT_FAILED, 'No PDF files found in the given paths.');
    if (failed.length > 0) process.exitCode = EXIT_FAILED;
  });
}

export function buildProgram(): Command {
  const program = new Command('docent')
    .description('Docent: ask your PDFs, get answers with page-exact citations. Everything runs on this machine.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  withCommonOptions(
    program
      .command('ingest')
      .description('add PDF files or folders (recursively) to the library; exit 1 if any file failed')
      .argument('<paths...>', 'PDF files or folders'),
  ).action(ingestCommand);

  withCommonOptions(program.command('docs').description('list the documents in the library')).action(
    async (options: CommonOptions) => {
      await withCore(options, async (core) => {
        const { documents } = unwrap(await core.listDocuments({}));
        print(
          options,
          {
            documents: documents.map((d) => ({
              id: d.id,
              title: d.title,
              path: d.path,
              pages: d.pages,
              chunks: d.chunks,
              status: d.status,
              error: d.error,
            })),
          },
          documentsTable(documents),
        );
      });
    },
  );

  withCommonOptions(
    program
      .command('search')
      .description('search the library: hybrid (vectors + keywords) by default')
      .argument('<query>', 'what to look for')
      .option('--k <n>', 'number of results', positiveInt, 10)
      .option('--doc <id>', 'only search this document (repeatable)', collect)
      .addOption(new Option('--mode <mode>', 'which search to run').choices(['hybrid', 'vector', 'keyword']).default('hybrid')),
  ).action(async (query: string, options: CommonOptions & { k: number; doc?: number[]; mode: 'hybrid' | 'vector' | 'keyword' }) => {
    await withCore(options, async (core) => {
      const { hits } = unwrap(await core.search({ query, k: options.k, mode: options.mode, documentIds: options.doc }));
      print(
        options,
        { hits: hits.map((h) => ({ documentId: h.documentId, title: h.title, page: h.page, text: h.text, score: h.score })) },
        hitsText(hits),
      );
    });
  });

  withCommonOptions(
    program.command('rm').description('remove a document and everything indexed from it').argument('<id>', 'document id', positiveInt),
  ).action(async (id: number, options: CommonOptions) => {
    await withCore(options, async (core) => {
      const { removed } = unwrap(await core.removeDocument({ documentId: id }));
      print(options, { removed }, `Removed document ${removed}.`);
    });
  });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof ExitError) {
      process.stderr.write(`docent: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`docent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILED;
  }
}
