import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import path from 'node:path';
import type { IngestFileResult } from '../../preload/contract/index.js';
import { registerChatCommands } from './chat.js';
import { registerModelCommand } from './model.js';
import { registerServeCommand } from './serve.js';
import { toApiError } from '../core/errors.js';
import {
  apiExit,
  collectDocuments,
  documentId,
  EXIT_FAILED,
  EXIT_USAGE,
  ExitError,
  print,
  say,
  terminalSafe,
  unwrap,
  wholeNumber,
  withCommonOptions,
  withCore,
  type CommonOptions,
} from './common.js';
import { LIMITS } from './limits.js';
import { counted, documentsTable, fileOutcome, hitsText } from './output.js';
import { docentVersion } from './version.js';

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
    const finished: IngestFileResult[] = [];
    core.on('ingest:progress', (event) => {
      if (!bars || event.jobId !== jobId || event.pagesTotal === null) return;
      let bar = perFile.get(event.path);
      if (!bar) perFile.set(event.path, (bar = bars.create(event.pagesTotal, 0, { file: path.basename(event.path) })));
      bar.setTotal(event.pagesTotal);
      bar.update(event.pagesDone);
    });
    core.on('ingest:file', (event) => {
      if (event.jobId !== jobId) return;
      finished.push(event.file);
      if (options.json) return;
      const bar = perFile.get(event.file.path);
      if (bars && process.stdout.isTTY) {
        // The bars redraw the terminal's last lines: a line written past them would be drawn
        // over. Logged, it is printed above them at the next redraw, which removing the file's
        // bar (or an update, when it had none) makes now; the last file's too, before stop().
        bars.log(`${terminalSafe(fileOutcome(event.file))}\n`);
        if (bar) bars.remove(bar);
        else bars.update();
      } else {
        if (bar) bars?.remove(bar);
        say(`${fileOutcome(event.file)}\n`);
      }
    });
    // Ctrl-C: committed page batches are durable; running the same command again resumes.
    process.once('SIGINT', () => {
      bars?.stop();
      // A script still learns which files were done; the rest resume when run again.
      if (options.json) process.stdout.write(`${JSON.stringify({ files: finished, interrupted: true })}\n`);
      process.stderr.write('\nInterrupted. Pages indexed so far are kept; run the same command again to resume.\n');
      process.exit(130);
    });
    const files = await core.waitForIngest(jobId);
    bars?.stop();
    if (files.length === 0) throw new ExitError(EXIT_FAILED, 'No PDF files found in the given paths.', 'FILE_NOT_FOUND');
    const failed = files.filter((f) => f.outcome === 'failed' || f.outcome === 'cancelled');
    if (options.json) process.stdout.write(`${JSON.stringify({ files })}\n`);
    else {
      process.stdout.write(
        `\n${files.length - failed.length} of ${counted(files.length, 'file')} in the library${failed.length ? `, ${failed.length} failed` : ''}.\n`,
      );
    }
    if (failed.length > 0) process.exitCode = EXIT_FAILED;
  });
}

export function buildProgram(): Command {
  // The common options belong to the program, so they may come before or after any command
  // (docent --db lib.sqlite docs, docent docs --db lib.sqlite; given twice, the later wins), and
  // every command's help lists them. Each action finds them among its own options.
  const program = withCommonOptions(new Command('docent'))
    .description('Docent: ask your PDFs, get answers with page-exact citations. Everything runs on this machine.')
    .version(docentVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .hook('preAction', (_program, action) => {
      for (const option of program.options) action.setOptionValue(option.attributeName(), program.getOptionValue(option.attributeName()));
    });

  program
    .command('ingest')
    .description('add PDF files or folders (recursively) to the library; exit 1 if any file failed')
    .argument('<paths...>', 'PDF files or folders')
    .action(ingestCommand);

  program
    .command('docs')
    .description('list the documents in the library')
    .action(async (options: CommonOptions) => {
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
    });

  program
    .command('search')
    .description('search the library: hybrid (vectors + keywords) by default')
    .argument('<query>', 'what to look for')
    .option('--k <n>', `number of results, ${LIMITS.k.min} to ${LIMITS.k.max}`, wholeNumber(LIMITS.k.min, LIMITS.k.max), 10)
    .option('--doc <id>', 'only search this document (repeatable)', collectDocuments)
    .addOption(new Option('--mode <mode>', 'which search to run').choices(['hybrid', 'vector', 'keyword']).default('hybrid'))
    .action(async (query: string, options: CommonOptions & { k: number; doc?: number[]; mode: 'hybrid' | 'vector' | 'keyword' }) => {
      await withCore(options, async (core) => {
        const { hits } = unwrap(await core.search({ query, k: options.k, mode: options.mode, documentIds: options.doc }));
        print(
          options,
          { hits: hits.map((h) => ({ documentId: h.documentId, title: h.title, page: h.page, text: h.text, score: h.score })) },
          hitsText(hits),
        );
      });
    });

  program
    .command('rm')
    .description('remove a document and everything indexed from it')
    .argument('<id>', 'document id', documentId)
    .action(async (id: number, options: CommonOptions) => {
      await withCore(options, async (core) => {
        const { removed } = unwrap(await core.removeDocument({ documentId: id }));
        print(options, { removed }, `Removed document ${removed}.`);
      });
    });

  registerChatCommands(program);
  registerModelCommand(program);
  registerServeCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // Known before parsing, so that a usage error is JSON too.
  const end = argv.indexOf('--');
  const json = (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has written its message (and, for --help and --version, what was asked for).
      if (error.exitCode === 0) return 0;
      if (json) printJsonError('INVALID_INPUT', error.message.replace(/^error: /, ''));
      return EXIT_USAGE;
    }
    const exit = error instanceof ExitError ? error : apiExit(toApiError(error));
    process.stderr.write(`docent: ${exit.message} [${exit.code}]\n`);
    if (json) printJsonError(exit.code, exit.message);
    // An error no one foresaw is one line like the others; DOCENT_DEBUG=1 shows where it came from.
    if (!(error instanceof ExitError) && process.env['DOCENT_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return exit.exitCode;
  }
}

function printJsonError(code: string, message: string): void {
  process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
}
