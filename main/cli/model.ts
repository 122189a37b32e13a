import type { Command } from 'commander';
import { BACKEND_NAMES, type ModelStatus } from '../../preload/contract/index.js';
import { chatModelPath, modelOption, print, unwrap, withCore, type CommonOptions } from './common.js';

const gib = new Intl.NumberFormat('en', { style: 'unit', unit: 'gigabyte', maximumFractionDigits: 1 });
const size = (bytes: number) => gib.format(bytes / 1024 ** 3).replace('GB', 'GiB');

export function modelStatusText(status: ModelStatus): string {
  const lines = [`Backend:     ${BACKEND_NAMES[status.backend]} (${status.deviceNames.join(', ') || 'no device name'})`];
  if (status.vram) lines.push(`VRAM:        ${size(status.vram.used)} used of ${size(status.vram.total)}`);
  lines.push(`RAM:         ${size(status.ram.used)} used by Docent; ${size(status.ram.free)} free of ${size(status.ram.total)}`);
  const chat = status.chatModel;
  lines.push(
    chat
      ? `Chat model:  ${chat.name}, context ${chat.contextSize ?? '?'} tokens (${chat.path})`
      : 'Chat model:  none loaded; pass --model FILE.gguf (or set DOCENT_MODEL) to load and check one',
  );
  return lines.join('\n');
}

export function registerModelCommand(program: Command): void {
  program
    .command('model')
    .description('show the llama.cpp backend (CUDA, Vulkan, Metal or CPU), its devices and memory; with --model, load that chat model and show its context size')
    .addOption(modelOption('chat model to load and check'))
    .action(async (options: CommonOptions & { model?: string }) => {
      await withCore(options, async (core) => {
        const path = chatModelPath(options);
        if (path && !options.json && process.stderr.isTTY) process.stderr.write('Loading the model…\n');
        const status = unwrap(path ? await core.loadChatModel({ path }) : await core.modelStatus({}));
        print(options, status, modelStatusText(status));
      });
    });
}
