import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { builtRendererDir, serveUntilStopped, startServer } from '../server/http-door.js';
import { modelOption, openCore, type CommonOptions } from './common.js';

function portOption(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535.');
  return port;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve Docent on 127.0.0.1 for a browser; the first line printed is the URL to open (with its token)')
    .option('--port <n>', 'port (default: any free port)', portOption, 0)
    .addOption(modelOption())
    .action(async (options: CommonOptions & { port: number; model?: string }) => {
      const core = openCore(options);
      // The URL printed is the one to open, so it serves the UI too once it is built.
      const server = await startServer({ core, port: options.port, staticDir: builtRendererDir() });
      process.stdout.write(`${server.url}\n`);
      process.stderr.write('Docent is serving on this machine only (127.0.0.1). Press Ctrl-C to stop.\n');
      await serveUntilStopped(server, core);
    });
}
