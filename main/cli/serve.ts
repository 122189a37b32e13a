import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { builtRendererDir, listenProblem, parsePort, serveUntilStopped, startServer } from '../server/http-door.js';
import { EXIT_FAILED, ExitError, modelOption, openCore, print, usageError, type CommonOptions } from './common.js';

function portOption(value: string): number {
  const port = parsePort(value);
  if (port === null) throw new InvalidArgumentError('expected a port from 0 to 65535.');
  return port;
}

function listenError(error: unknown, port: number): ExitError {
  const problem = listenProblem(error, port, { option: '--port', anyFree: '--port 0' });
  if (problem.kind === 'in use') return new ExitError(EXIT_FAILED, problem.message, 'BUSY');
  if (problem.kind === 'not allowed') return usageError(problem.message);
  return new ExitError(EXIT_FAILED, problem.message, 'INTERNAL');
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve Docent on 127.0.0.1 for a browser; the first line printed is the URL to open (with its token)')
    .addOption(new Option('--port <n>', 'port, 0 to 65535').argParser(portOption).default(0, 'any free port'))
    .addOption(modelOption())
    .action(async (options: CommonOptions & { port: number; model?: string }) => {
      const core = openCore(options);
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        // The URL printed is the one to open, so it serves the UI too once it is built.
        server = await startServer({ core, port: options.port, staticDir: builtRendererDir() });
      } catch (error) {
        await core.close();
        throw listenError(error, options.port);
      }
      print(options, { url: server.url }, server.url);
      process.stderr.write('Docent is serving on this machine only (127.0.0.1). Press Ctrl-C to stop.\n');
      await serveUntilStopped(server, core);
    });
}
