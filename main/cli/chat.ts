import type { Command} from 'commander';
import { InvalidArgumentError } from 'commander';
import fs from 'node:fs';
import readline from 'node:readline/promises';
import type { AdapterRef, Answer } from '../../preload/contract/index.js';
import { toApiError, errorMessage } from '../core/errors.js';
import type { Core } from '../core/index.js';
import { chatModelPath, collect, describe, ExitError, EXIT_FAILED, modelOption, nonNegativeInt, positiveInt, print, say, terminalSafe, unwrap, withCore, type CommonOptions } from './common.js';
import { answerSources } from './output.js';

interface ChatOptions extends CommonOptions {
  model?: string;
  conversation?: number;
  doc?: number[];
  adapter?: AdapterRef[];
  maxTokens: number;
  temperature: number;
  seed?: number;
}

/** FILE.gguf or FILE.gguf:SCALE (the last colon, so Windows drive letters survive). */
function adapterOption(value: string, previous: AdapterRef[] = []): AdapterRef[] {
  const match = /^(.*):(\d+(?:\.\d+)?)$/.exec(value);
  const ref = match ? { path: match[1]!, scale: Number(match[2]) } : { path: value, scale: 1 };
  if (!ref.path) throw new InvalidArgumentError('expected FILE.gguf or FILE.gguf:SCALE.');
  return [...previous, ref];
}

function temperatureOption(value: string): number {
  const t = Number(value);
  if (!Number.isFinite(t) || t < 0 || t > 2) throw new InvalidArgumentError('expected a number from 0 to 2.');
  return t;
}

function withChatOptions(command: Command): Command {
  return command
    .addOption(modelOption())
    .option('--doc <id>', 'only use this document (repeatable)', collect)
    .option('--adapter <file.gguf[:scale]>', 'attach a LoRA adapter, scale 0-4, default 1 (repeatable)', adapterOption)
    .option('--max-tokens <n>', 'longest answer, in tokens', positiveInt, 512)
    .option('--temperature <t>', 'sampling temperature; 0 is deterministic', temperatureOption, 0)
    .option('--seed <n>', 'seed for sampling above temperature 0: the same seed gives the same answer', nonNegativeInt);
}

/** Asks one question, streaming the answer to stdout unless JSON was asked for. */
async function askOnce(
  core: Core,
  question: string,
  options: ChatOptions,
  stream: boolean,
  conversationId?: number,
  onStarted?: (answerId: string) => void,
): Promise<Answer> {
  const { answerId } = unwrap(
    await core.ask({
      question,
      conversationId,
      documentIds: options.doc,
      adapters: options.adapter ?? [],
      maxTokens: options.maxTokens,
      temperature: options.temperature,
      seed: options.seed,
    }),
  );
  onStarted?.(answerId);
  const stopListening = core.on('chat:token', (event) => {
    if (stream && event.answerId === answerId) say(event.text);
  });
  // Ctrl-C stops the answer and keeps what was generated.
  const stop = () => void core.stopAnswer({ answerId });
  process.on('SIGINT', stop);
  try {
    return await core.waitForAnswer(answerId);
  } catch (error) {
    throw new ExitError(EXIT_FAILED, describe(toApiError(error)));
  } finally {
    process.off('SIGINT', stop);
    stopListening();
  }
}

function answerJson(answer: Answer) {
  return {
    answer: answer.answer,
    citations: answer.citations.map((c) => ({ n: c.n, documentId: c.documentId, title: c.title, page: c.page, text: c.text, verified: c.verified })),
    grounded: answer.grounded,
    covered: answer.covered,
    // Ctrl-C ends an answer early and keeps it: a script must be able to tell it from a whole one.
    stopped: answer.stopped,
    conversationId: answer.conversationId,
    timings: {
      retrievalMs: answer.timings.retrievalMs,
      promptTokens: answer.timings.promptTokens,
      timeToFirstTokenMs: answer.timings.timeToFirstTokenMs,
      tokensPerSecond: answer.timings.tokensPerSecond,
    },
  };
}

export function registerChatCommands(program: Command): void {
  withChatOptions(
    program
      .command('ask')
      .description('answer a question from the library, citing its sources')
      .argument('<question>', 'what to ask')
      .option('--conversation <id>', 'continue this conversation', positiveInt),
  ).action(async (question: string, options: ChatOptions) => {
    await withCore(options, async (core) => {
      const answer = await askOnce(core, question, options, !options.json, options.conversation);
      if (options.json) print(options, answerJson(answer), '');
      else say(`\n\n${answerSources(answer)}\n`);
    });
  });

  withChatOptions(
    program
      .command('chat')
      .description('a conversation in the terminal; /exit or Ctrl-D ends it, Ctrl-C stops an answer')
      .option('--conversation <id>', 'continue this conversation', positiveInt),
  ).action(async (options: ChatOptions) => {
    await withCore(options, async (core) => {
      // Load first: readline starts reading at once, and lines must not arrive before the loop below.
      const model = chatModelPath(options);
      if (model) {
        process.stdout.write('Loading the model…\n');
        unwrap(await core.loadChatModel({ path: model }));
      }
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
      // readline redraws this prompt when it edits the line (Ctrl-U, for one).
      rl.setPrompt('You: ');
      let conversationId = options.conversation;
      // On a terminal readline receives Ctrl-C. While a question is in flight it stops that answer
      // (as soon as it exists). At the prompt it clears what was typed; on an empty line it ends
      // the chat only when pressed twice, as in Node's REPL, so that a Ctrl-C meant for an answer
      // that ended a moment before does not end the conversation.
      let busy = false;
      let answering: string | null = null;
      let stopRequested = false;
      let exitArmed = false;
      rl.on('SIGINT', () => {
        if (busy) {
          if (answering) void core.stopAnswer({ answerId: answering });
          else stopRequested = true;
        } else if (rl.line) {
          exitArmed = false;
          rl.write(null, { ctrl: true, name: 'e' });
          rl.write(null, { ctrl: true, name: 'u' });
        } else if (exitArmed) {
          rl.close();
        } else {
          exitArmed = true;
          process.stdout.write('\n(To end the conversation, press Ctrl-C again, press Ctrl-D or type /exit.)\n\nYou: ');
        }
      });
      process.stdout.write('Ask about your documents. /exit or Ctrl-D ends the conversation.\n\nYou: ');
      // The line iterator buffers input that arrives while an answer is being written.
      for await (const line of rl) {
        exitArmed = false;
        const question = line.trim();
        if (question === '/exit') break;
        if (question) {
          process.stdout.write('\nDocent: ');
          busy = true;
          try {
            const answer = await askOnce(core, question, options, true, conversationId, (id) => {
              answering = id;
              if (stopRequested) void core.stopAnswer({ answerId: id });
            });
            conversationId = answer.conversationId;
            say(`\n\n${answerSources(answer)}\n`);
          } catch (error) {
            process.stdout.write(`\n${errorMessage(error)}\n`);
          } finally {
            busy = false;
            answering = null;
            stopRequested = false;
          }
        }
        process.stdout.write('\nYou: ');
      }
      rl.close();
      if (conversationId !== undefined) process.stdout.write(`\nConversation ${conversationId} is saved (docent export ${conversationId}).\n`);
    });
  });

  const conversations = program
    .command('conversations')
    .description('list saved conversations; rename or delete one with its subcommands')
    .action(async (options: CommonOptions) => {
      await withCore(options, async (core) => {
        const { conversations } = unwrap(await core.listConversations({}));
        const text = conversations.length
          ? conversations.map((c) => `${String(c.id).padEnd(4)} ${c.updatedAt.slice(0, 16).replace('T', ' ')}  ${String(c.messages).padStart(3)} messages  ${c.title}`).join('\n')
          : 'No conversations yet. Start one with: docent ask "<question>" --model FILE.gguf';
        print(options, { conversations }, text);
      });
    });

  conversations
    .command('rename')
    .description('give a conversation a new title')
    .argument('<conversation id>', 'conversation id', positiveInt)
    .argument('<title>', 'the new title')
    .action(async (id: number, title: string, options: CommonOptions) => {
      await withCore(options, async (core) => {
        const conversation = unwrap(await core.renameConversation({ conversationId: id, title }));
        print(options, { conversation }, `Conversation ${conversation.id} is now "${conversation.title}".`);
      });
    });

  conversations
    .command('rm')
    .description('delete a conversation, its messages and their citations (the documents stay)')
    .argument('<conversation id>', 'conversation id', positiveInt)
    .action(async (id: number, options: CommonOptions) => {
      await withCore(options, async (core) => {
        const { deleted } = unwrap(await core.deleteConversation({ conversationId: id }));
        print(options, { deleted }, `Deleted conversation ${deleted}.`);
      });
    });

  program
    .command('export')
    .description('print a conversation as Markdown, with its sources')
    .argument('<conversation id>', 'conversation id', positiveInt)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (id: number, options: CommonOptions & { output?: string }) => {
      await withCore(options, async (core) => {
        const { markdown } = unwrap(await core.exportConversation({ conversationId: id }));
        if (options.output) fs.writeFileSync(options.output, markdown);
        else if (options.json) print(options, { markdown }, '');
        else process.stdout.write(process.stdout.isTTY ? terminalSafe(markdown) : markdown);
      });
    });
}
