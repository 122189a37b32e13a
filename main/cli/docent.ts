import { EXIT_FAILED, EXIT_OUTPUT_CLOSED } from './common.js';
import { main } from './main.js';

// A reader that stops reading (docent docs | head -1) closes the pipe: end quietly, as a command
// SIGPIPE ends does, instead of with an unhandled EPIPE and its stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && stream === process.stdout) process.stderr.write(`docent: cannot write the output: ${error.message}\n`);
    process.exit(error.code === 'EPIPE' ? EXIT_OUTPUT_CLOSED : EXIT_FAILED);
  });
}

process.exitCode = await main(process.argv.slice(2));
