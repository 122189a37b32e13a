import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { MAX_ADAPTERS, type AdapterRef, type Answer, type ErrorCode } from '../../preload/contract/index.js';
import { NO_CHAT_MODEL } from '../core/chat/answerer.js';
import { toApiError } from '../core/errors.js';
import type { Core } from '../core/index.js';
import {
  apiExit,
  chatModelPath,
  checkText,
  collectDocuments,
  conversationId,
  describe,
  ExitError,
  EXIT_FAILED,
  fileName,
  modelOption,
  nonNegativeInt,
  print,
  say,
  terminalSafe,
  tooLong,
  unwrap,
  usageError,
  wholeNumber,
  withCore,
  type CommonOptions,
} from './common.js';
import { LIMITS } from './limits.js';
import { oneLine } from '../core/text.js';
import { answerSources, counted } from './output.js';

interface ChatOptions extends CommonOptions {
  model?: string;
  conversation?: number;
  doc?: number[];
  adapter?: AdapterRef[];
  maxTokens: number;
  temperature: number;
  seed?: number;
}

const { min: minScale, max: maxScale } = LIMITS.adapterScale;

/**
 * FILE.gguf or FILE.gguf:SCALE. What follows the last colon is a scale unless it is part of a file
 * name (C:\style.gguf, C:style.gguf), so a bad scale is reported as one, not as a missing file.
 */
function adapterOption(value: string, previous: AdapterRef[] = []): AdapterRef[] {
  if (previous.length >= MAX_ADAPTERS) throw new InvalidArgumentError(`at most ${MAX_ADAPTERS} adapters can be attached to one answer.`);
  const colon = value.lastIndexOf(':');
  const tail = value.slice(colon + 1);
  let ref: AdapterRef = { path: value, scale: 1 };
  if (colon > 0 && !/[\\/]/.test(tail) && !/\.gguf$/i.test(tail)) {
    const scale = Number(tail);
    if (!/^\d+(\.\d+)?$/.test(tail) || scale < minScale || scale > maxScale) {
      throw new InvalidArgumentError(`the scale "${tail}" is not a number from ${minScale} to ${maxScale}.`);
    }
    ref = { path: value.slice(0, colon), scale };
  }
  fileName(ref.path);
  return [...previous, ref];
}

function temperatureOption(value: string): number {
  const { min, max } = LIMITS.temperature;
  const t = Number(value);
  if (value.trim() === '' || !Number.isFinite(t) || t < min || t > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
  return t;
}

function withChatOptions(command: Command): Command {
  const { min, max } = LIMITS.maxTokens;
  return command
    .addOption(modelOption())
    .option('--conversation <id>', 'continue this conversation', conversationId)
    .option('--doc <id>', 'only use this document (repeatable)', collectDocuments)
    .option('--adapter <file.gguf[:scale]>', `attach a LoRA adapter, scale ${minScale} to ${maxScale}, default 1 (repeatable)`, adapterOption)
    .option(
      '--max-tokens <n>',
      `longest answer in tokens, ${min} to ${max}; the model's context must also hold the sources`,
      wholeNumber(min, max),
      512,
    )
    .option('--temperature <t>', `sampling temperature, ${LIMITS.temperature.min} to ${LIMITS.temperature.max}; 0 is deterministic`, temperatureOption, 0)
    .option('--seed <n>', 'seed for sampling above temperature 0: the same seed gives the same answer', nonNegativeInt);
}

/**
 * Errors in starting an answer that come from the chat's options or the library, not from the
 * question: every later question would get them too, so they end a chat. BUSY (another window
 * answering in the conversation) passes.
 */
const OPTION_ERRORS = new Set<ErrorCode>([
  'INVALID_INPUT',
  'NOT_FOUND',
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'ADAPTER_MISMATCH',
  'EMBEDDING_MODEL_REQUIRED',
  'EMBEDDING_MODEL_MISMATCH',
]);

class AnswerNotStarted extends ExitError {}

/** Asks one question, streaming the answer to stdout unless JSON was asked for. */
async function askOnce(
  core: Core,
  question: string,
  options: ChatOptions,
  stream: boolean,
  conversationId?: number,
  onStarted?: (answerId: string) => void,
): Promise<Answer> {
  const started = await core.ask({
    question,
    conversationId,
    documentIds: options.doc,
    adapters: options.adapter ?? [],
    maxTokens: options.maxTokens,
    temperature: options.temperature,
    seed: options.seed,
  });
  if (!started.ok) {
    const error = apiExit(started.error);
    throw new AnswerNotStarted(error.exitCode, error.message, error.code);
  }
  const { answerId } = started.value;
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
    throw apiExit(toApiError(error));
  } finally {
    process.off('SIGINT', stop);
    stopListening();
  }
}

function answerJson(answer: Answer) {
  return {
    answer: answer.answer,
    citations: answer.citations.map((c) => ({ n: c.n, documentId: c.documentId, title: c.title, page: c.page, text: c.text, verified: c.verified })),
    // What the terminal lists under an answer: the sources the model was given, or, when the
    // library does not cover the question, the closest passages.
    sources: answer.sources.map((s) => ({ n: s.n, documentId: s.documentId, title: s.title, page: s.page, text: s.text })),
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

/**
 * What `chat` checks before its first prompt, so that wrong options end it at once with the error
 * `ask` would give, instead of failing every question: the chat model is given and loads, and the
 * core's checkAsk finds the conversation, the documents, the adapters and --max-tokens usable.
 */
async function checkChatOptions(core: Core, options: ChatOptions): Promise<void> {
  const model = chatModelPath(options);
  if (!model) throw new ExitError(EXIT_FAILED, NO_CHAT_MODEL, 'MODEL_NOT_FOUND');
  process.stdout.write('Loading the model…\n');
  unwrap(await core.loadChatModel({ path: model }));
  unwrap(
    await core.checkAsk({
      conversationId: options.conversation,
      documentIds: options.doc,
      adapters: options.adapter ?? [],
      maxTokens: options.maxTokens,
      temperature: options.temperature,
      seed: options.seed,
    }),
  );
}

const CHAT_HELP = `Type a question and press Enter; a follow-up ("and in 2019?") is read with the conversation so far.
  /help         this help
  /exit, /quit  end the conversation (so do Ctrl-D, and Ctrl-C twice on an empty line)
Ctrl-C stops the answer being written, or clears the line being typed.
`;

/** A line typed in the chat: a command, a question too long to ask, or the question (empty when nothing was typed). */
function readChatLine(line: string): { question: string; command: ReturnType<typeof chatCommand>; long: string | null; asks: boolean } {
  const question = line.trim();
  const command = chatCommand(question);
  const long = tooLong('question', question, LIMITS.questionLength);
  return { question, command, long, asks: question !== '' && !command && !long };
}

/** A line of the chat that is one of its commands rather than a question. */
function chatCommand(line: string): 'exit' | 'help' | { unknown: string } | null {
  const word = line.toLowerCase();
  if (['/exit', '/quit', 'exit', 'quit'].includes(word)) return 'exit';
  if (word === '/help' || word === '/?') return 'help';
  // A single /word; a question may still begin with a path (/etc/hosts is what?).
  if (/^\/[\w-]*$/.test(line)) return { unknown: line };
  return null;
}

export function registerChatCommands(program: Command): void {
  withChatOptions(
    program
      .command('ask')
      .description('answer a question from the library, citing its sources')
      .argument('<question>', `what to ask, at most ${LIMITS.questionLength} characters`),
  ).action(async (question: string, options: ChatOptions) => {
    checkText('question', question, LIMITS.questionLength);
    await withCore(options, async (core) => {
      const answer = await askOnce(core, question, options, !options.json, options.conversation);
      if (options.json) {
        print(options, answerJson(answer), '');
        return;
      }
      say(`\n\n${answerSources(answer)}\n`);
      const id = answer.conversationId;
      process.stderr.write(`Conversation ${id}: continue it with --conversation ${id}; docent export ${id} writes it out.\n`);
    });
  });

  withChatOptions(
    program
      .command('chat')
      .description('a conversation in the terminal; /help lists its commands, /exit or Ctrl-D ends it, Ctrl-C stops an answer'),
  ).action(async (options: ChatOptions) => {
    if (options.json) throw usageError('chat is a conversation in a terminal and has no --json output; for JSON, use docent ask --json (with --conversation to continue one).');
    await withCore(options, async (core) => {
      // Before readline: it starts reading at once, and lines must not arrive before the loop below.
      await checkChatOptions(core, options);
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
      // readline redraws this prompt when it edits the line (Ctrl-U, for one).
      rl.setPrompt('You: ');
      let conversationId = options.conversation;
      let ended: ExitError | null = null;
      // On a terminal readline receives Ctrl-C. While a question is in flight it stops that answer
      // (as soon as it exists). At the prompt it clears what was typed; on an empty line it ends
      // the chat only when pressed twice, as in Node's REPL, so that a Ctrl-C meant for an answer
      // that ended a moment before does not end the conversation.
      let busy = false;
      let answering: string | null = null;
      let stopRequested = false;
      let exitArmed = false;
      // Questions readline has read that the loop below has not yet taken: a Ctrl-C pressed right
      // after Enter is for the question just entered, not for the prompt that question left.
      let entered = 0;
      rl.on('line', (line) => {
        if (readChatLine(line).asks) entered++;
      });
      rl.on('SIGINT', () => {
        if (busy || entered > 0) {
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
      process.stdout.write('Ask about your documents. /help lists the commands; /exit or Ctrl-D ends the conversation.\n\nYou: ');
      // The line iterator buffers input that arrives while an answer is being written.
      for await (const line of rl) {
        const { question, command, long, asks } = readChatLine(line);
        if (asks) entered--;
        exitArmed = false;
        if (command === 'exit') break;
        if (command === 'help') process.stdout.write(`\n${CHAT_HELP}`);
        else if (command) process.stdout.write(`\nUnknown command ${terminalSafe(command.unknown)}. /help lists the commands.\n`);
        else if (long) process.stdout.write(`\n${long}\n`);
        else if (asks) {
          busy = true;
          try {
            const answer = await askOnce(core, question, options, true, conversationId, (id) => {
              process.stdout.write('\nDocent: ');
              answering = id;
              if (stopRequested) void core.stopAnswer({ answerId: id });
            });
            conversationId = answer.conversationId;
            say(`\n\n${answerSources(answer)}\n`);
          } catch (error) {
            if (!(error instanceof ExitError)) throw error;
            // Wrong options fail every question alike: the chat ends with the error ask gives.
            if (error instanceof AnswerNotStarted && OPTION_ERRORS.has(error.code)) {
              ended = error;
              break;
            }
            process.stdout.write(`\n${describe({ code: error.code, message: error.message })}\n`);
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
      if (ended) throw ended;
    });
  });

  const conversations = program
    .command('conversations')
    .description('list saved conversations; rename or delete one with its subcommands')
    .allowExcessArguments()
    .action(async (options: CommonOptions, command: Command) => {
      const [name] = command.args;
      if (name !== undefined) throw unknownSubcommand(name, command.args[1]);
      await withCore(options, async (core) => {
        const { conversations } = unwrap(await core.listConversations({}));
        const text = conversations.length
          ? conversations
              .map((c) => `${String(c.id).padEnd(4)} ${c.updatedAt.slice(0, 16).replace('T', ' ')}  ${counted(c.messages, 'message').padStart(12)}  ${oneLine(c.title)}`)
              .join('\n')
          : 'No conversations yet. Start one with: docent ask "<question>" --model FILE.gguf';
        print(options, { conversations }, text);
      });
    });

  conversations
    .command('rename')
    .description('give a conversation a new title')
    .argument('<conversation id>', 'conversation id', conversationId)
    .argument('<title>', `the new title, at most ${LIMITS.titleLength} characters`)
    .action(async (id: number, title: string, options: CommonOptions) => {
      checkText('title', title, LIMITS.titleLength);
      await withCore(options, async (core) => {
        const conversation = unwrap(await core.renameConversation({ conversationId: id, title }));
        print(options, { conversation }, `Conversation ${conversation.id} is now "${oneLine(conversation.title)}".`);
      });
    });

  conversations
    .command('rm')
    .description('delete a conversation, its messages and their citations (the documents stay)')
    .argument('<conversation id>', 'conversation id', conversationId)
    .action(async (id: number, options: CommonOptions) => {
      await withCore(options, async (core) => {
        const { deleted } = unwrap(await core.deleteConversation({ conversationId: id }));
        print(options, { deleted }, `Deleted conversation ${deleted}.`);
      });
    });

  program
    .command('export')
    .description('print a conversation as Markdown, with its sources')
    .argument('<conversation id>', 'conversation id', conversationId)
    .option('-o, --output <file>', 'write to this file instead of stdout (- is stdout)', fileName)
    .action(async (id: number, options: CommonOptions & { output?: string }) => {
      await withCore(options, async (core) => {
        const { markdown } = unwrap(await core.exportConversation({ conversationId: id }));
        if (options.output !== undefined && options.output !== '-') {
          const file = path.resolve(options.output);
          writeOutput(file, markdown);
          print(options, { path: file }, `Wrote conversation ${id} to ${file}.`);
        } else if (options.json) print(options, { markdown }, '');
        else process.stdout.write(markdown);
      });
    });
}

/** `conversations delete 3` and the like: the subcommand meant, with its line. */
function unknownSubcommand(name: string, id: string | undefined): ExitError {
  const meant = ['delete', 'del', 'remove'].includes(name) ? 'rm' : ['mv', 'title', 'retitle'].includes(name) ? 'rename' : null;
  const example = meant === 'rm' ? `docent conversations rm ${id ?? '<id>'}` : `docent conversations rename ${id ?? '<id>'} "<title>"`;
  return usageError(
    `conversations has no subcommand ${name}${meant ? `; did you mean ${example}?` : '; its subcommands are rename and rm.'}`,
  );
}

/** Writes an output file, with a message for a person when it cannot be written. */
function writeOutput(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw usageError(`Cannot write to ${file}: it is a folder. Give a file name.`);
    if (code === 'ENOENT') throw new ExitError(EXIT_FAILED, `Cannot write ${file}: there is no folder ${path.dirname(file)}.`, 'FILE_NOT_FOUND');
    throw new ExitError(EXIT_FAILED, `Cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
