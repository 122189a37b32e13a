import { spawn, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GEOTOPO, KNOWN_FACTS_PDF, REPO_ROOT } from '../fixtures/paths.js';
import { terminalSafe } from '../../main/cli/common.js';
import { models, tempDb, tempDir } from './helpers.js';

/** The real `docent` command from source: Node with these arguments, before the command's own. */
const NODE = process.execPath;
const DOCENT_ARGS = ['--import', 'tsx', path.join(REPO_ROOT, 'main/cli/docent.ts')];

/**
 * Where `docent` would put the default library: a folder of the test's own, never the user's
 * ~/.config. Tests pass --db; one checks that nothing ever lands here.
 */
const USER_DATA = tempDir();

/** The environment `docent` runs in: none of the developer's own library or models. */
function docentEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DOCENT_DB: '', DOCENT_EMBEDDING_MODEL: '', XDG_CONFIG_HOME: USER_DATA, ...env };
}

/** The `docent` command line as one shell word list, for script(1). */
function shellCommand(args: string[]): string {
  return [NODE, ...DOCENT_ARGS, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
}

/** Runs `docent` in a real terminal (util-linux script(1)); resolves with its exit code and everything it wrote there. */
function inTerminal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-q', '-e', '-c', shellCommand(args), '/dev/null'], { cwd: REPO_ROOT, env: docentEnv(env) });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

/** Runs the real `docent` command from source, as a separate process. */
function docent(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(NODE, [...DOCENT_ARGS, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: docentEnv(env) });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A new library holding the Known Facts report. */
function knownFactsLibrary(): string {
  const db = tempDb();
  expect(docent(['ingest', KNOWN_FACTS_PDF, '--db', db, '--embedding-model', models.embeddingModel]).code).toBe(0);
  return db;
}

describe('docent CLI', () => {
  it('prints help for the program and every command', () => {
    const help = docent(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['ingest', 'docs', 'search', 'rm', 'ask', 'chat', 'conversations', 'export', 'serve', 'model']) {
      expect(help.stdout).toContain(command);
      const sub = docent([command, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain('--db');
      expect(sub.stdout).toContain('--json');
    }
    expect(docent(['search', '--help']).stdout).toMatch(/--mode <mode>[\s\S]*hybrid/);
    for (const sub of ['rename', 'rm']) expect(docent(['conversations', sub, '--help']).stdout).toContain('--db');
  });

  it('exits 2 on usage errors', () => {
    for (const args of [['frobnicate'], ['search'], ['search', 'x', '--k', 'many'], ['search', 'x', '--mode', 'fuzzy'], ['rm', 'abc'], ['ingest']]) {
      const run = docent(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr.length).toBeGreaterThan(0);
    }
  });

  it('ingests, lists, searches and removes, with the documented JSON shapes and exit codes', () => {
    const db = tempDb();
    const dir = tempDir();
    const notPdf = path.join(dir, 'notes.pdf');
    fs.writeFileSync(notPdf, 'plain text');

    const noModel = docent(['ingest', KNOWN_FACTS_PDF, '--db', db]);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain('EMBEDDING_MODEL_REQUIRED');

    const mixed = docent(['ingest', KNOWN_FACTS_PDF, notPdf, '--db', db, '--embedding-model', models.embeddingModel]);
    expect(mixed.code, mixed.stderr).toBe(1);
    expect(mixed.stdout).toMatch(/✔ .*known-facts\.pdf: 3 pages/);
    expect(mixed.stdout).toMatch(/✘ .*notes\.pdf: .*NOT_A_PDF/);

    // DOCENT_DB selects the library; the embedding model recorded in it is used by default.
    const again = docent(['ingest', KNOWN_FACTS_PDF, '--json'], { DOCENT_DB: db });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).files[0]).toMatchObject({ outcome: 'unchanged' });

    const docs = JSON.parse(docent(['docs', '--json', '--db', db]).stdout) as { documents: Record<string, unknown>[] };
    expect(docs.documents).toHaveLength(2);
    for (const doc of docs.documents) expect(Object.keys(doc).sort()).toEqual(['chunks', 'error', 'id', 'pages', 'path', 'status', 'title']);
    const report = docs.documents.find((d) => d['status'] === 'ready')!;
    expect(report).toMatchObject({ title: 'Known Facts Report', pages: 3, error: null });
    expect(docs.documents.find((d) => d['status'] === 'failed')).toMatchObject({ error: { code: 'NOT_A_PDF' } });

    const table = docent(['docs', '--db', db]);
    expect(table.stdout).toMatch(/ID\s+TITLE\s+PAGES\s+CHUNKS\s+STATUS\s+PATH/);

    const search = docent(['search', 'Quokka Rottnest fox', '--k', '2', '--json', '--mode', 'keyword', '--db', db]);
    expect(search.code, search.stderr).toBe(0);
    const { hits } = JSON.parse(search.stdout) as { hits: Record<string, unknown>[] };
    expect(hits).toHaveLength(1); // only one passage holds these words
    expect(Object.keys(hits[0]!).sort()).toEqual(['documentId', 'page', 'score', 'text', 'title']);
    expect(hits[0]).toMatchObject({ page: 2, title: 'Known Facts Report' });

    const hybrid = docent(['search', 'cathedral organ pipes', '--doc', String(report['id']), '--db', db]);
    expect(hybrid.code, hybrid.stderr).toBe(0);
    expect(hybrid.stdout).toMatch(/\[1\] Known Facts Report, p\. \d/);

    const unknownDoc = docent(['search', 'x', '--doc', '999', '--db', db]);
    expect(unknownDoc.code).toBe(1);
    expect(unknownDoc.stderr).toContain('NOT_FOUND');

    expect(docent(['rm', String(report['id']), '--db', db]).code).toBe(0);
    expect(docent(['rm', String(report['id']), '--db', db]).code).toBe(1);
    const after = JSON.parse(docent(['docs', '--json', '--db', db]).stdout) as { documents: unknown[] };
    expect(after.documents).toHaveLength(1);
    // The common options may come before the command as well.
    const before = docent(['--db', db, '--json', 'docs']);
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual(after);
  });

  it('asks with streaming output and sources, as JSON, in a chat session, and exports the conversation', () => {
    const db = knownFactsLibrary();
    const env = { DOCENT_THREADS: '1' };

    const noModel = docent(['ask', 'Where do quokkas live?', '--db', db], env);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain('MODEL_NOT_FOUND');

    // With this seed the fixture model cites source 1 (same seed, same answer: checked below).
    const cites = ['How many pipes does the cathedral organ contain?', '--db', db, '--model', models.chatModel, '--max-tokens', '24', '--temperature', '1', '--seed', '4'];
    const text = docent(['ask', ...cites], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\n\nSources[^\n]*:\n\[1\] Known Facts Report, p\. 3/);
    // eslint-disable-next-line no-control-regex
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);

    const json = docent(['ask', ...cites, '--json', '--doc', '1'], env);
    expect(json.code, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout) as Record<string, unknown> & { citations: Record<string, unknown>[]; timings: Record<string, unknown> };
    expect(Object.keys(answer)).toEqual(expect.arrayContaining(['answer', 'citations', 'grounded', 'timings']));
    expect(Object.keys(answer.timings).sort()).toEqual(['promptTokens', 'retrievalMs', 'timeToFirstTokenMs', 'tokensPerSecond']);
    expect(answer.citations.length).toBeGreaterThan(0);
    for (const c of answer.citations) expect(Object.keys(c).sort()).toEqual(['documentId', 'n', 'page', 'text', 'title', 'verified']);
    expect(answer.citations[0]).toMatchObject({ n: 1, documentId: 1, title: 'Known Facts Report', page: 3 });
    // Every citation names one of the sources listed with it, by number and text.
    const sources = answer['sources'] as { n: number; text: string }[];
    for (const s of sources) expect(Object.keys(s).sort()).toEqual(['documentId', 'n', 'page', 'text', 'title']);
    for (const c of answer.citations) expect(sources.find((s) => s.n === c['n'])?.text).toContain(c['text']);
    expect(text.stdout.startsWith(terminalSafe(String(answer['answer'])))).toBe(true);
    expect(answer['stopped']).toBe(false);
    const noSuchDoc = docent(['ask', ...cites, '--doc', '999'], env);
    expect(noSuchDoc.code).toBe(1);
    expect(noSuchDoc.stderr).toContain('NOT_FOUND');

    const notCovered = docent(['ask', 'What is a good recipe for banana bread?', '--db', db, '--model', models.chatModel], env);
    expect(notCovered.stdout).toMatch(/do not cover[\s\S]*Closest passages:[\s\S]*Known Facts Report, p\. \d/);
    // The closest passages are in the JSON too.
    const notCoveredJson = JSON.parse(docent(['ask', 'What is a good recipe for banana bread?', '--json', '--db', db, '--model', models.chatModel], env).stdout) as { covered: boolean; sources: { title: string }[] };
    expect(notCoveredJson.covered).toBe(false);
    expect(notCoveredJson.sources.length).toBeGreaterThan(0);
    expect(notCoveredJson.sources.length).toBeLessThanOrEqual(3);
    expect(notCoveredJson.sources[0]!.title).toBe('Known Facts Report');

    const badAdapter = docent(['ask', 'Where do the quokka populations live?', '--db', db, '--model', models.chatModel, '--adapter', models.loraWrongArchitecture], env);
    expect(badAdapter.code).toBe(1);
    expect(badAdapter.stderr).toContain('ADAPTER_MISMATCH');

    const chat = spawnSync(NODE, [...DOCENT_ARGS, 'chat', '--db', db, '--model', models.chatModel, '--max-tokens', '16'], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, input: 'Where do the quokka populations live?\nAnd what was eradicated?\n/exit\n',
      env: docentEnv(env),
    });
    expect(chat.status, chat.stderr).toBe(0);
    expect(chat.stdout.match(/Docent: /g)).toHaveLength(2);
    const saved = Number(/Conversation (\d+) is saved/.exec(chat.stdout)?.[1]);

    const list = JSON.parse(docent(['conversations', '--json', '--db', db]).stdout) as { conversations: { id: number; messages: number }[] };
    expect(list.conversations.find((c) => c.id === saved)?.messages).toBe(4);
    const exported = docent(['export', String(saved), '--db', db]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('**You:** And what was eradicated?');
    expect(docent(['export', '999', '--db', db]).code).toBe(1);

    // Rename and delete, with the options after or before the arguments.
    const renamed = docent(['--json', 'conversations', 'rename', String(saved), 'Quokkas and weeds', '--db', db]);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(JSON.parse(renamed.stdout).conversation).toMatchObject({ id: saved, title: 'Quokkas and weeds', messages: 4 });
    expect(docent(['conversations', '--db', db]).stdout).toMatch(new RegExp(`^${saved} .*4 messages  Quokkas and weeds$`, 'm'));
    const blank = docent(['conversations', 'rename', String(saved), '  ', '--db', db]);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('INVALID_INPUT');
    expect(docent(['conversations', '--db', db, 'rename', '999', 'x']).stderr).toContain('There is no conversation with id 999. [NOT_FOUND]');
    const removed = docent(['conversations', '--db', db, 'rm', String(saved)]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`Deleted conversation ${saved}.\n`);
    const after = JSON.parse(docent(['conversations', '--json', '--db', db]).stdout) as { conversations: { id: number }[] };
    expect(after.conversations.map((c) => c.id)).not.toContain(saved);
    expect(docent(['export', String(saved), '--db', db]).stderr).toContain('NOT_FOUND');
    const again = docent(['conversations', 'rm', String(saved), '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('NOT_FOUND');
    // The documents stay.
    expect(JSON.parse(docent(['docs', '--json', '--db', db]).stdout).documents).toHaveLength(1);
  });

  it('stops an answer on Ctrl-C, keeps what was written and exits 0', async () => {
    const db = knownFactsLibrary();
    // 3,000 tokens take the fixture model many seconds: the answer is still running when the signal comes.
    const args = ['ask', 'How many pipes does the cathedral organ contain?', '--db', db, '--model', models.chatModel, '--max-tokens', '3000', '--temperature', '1', '--seed', '4'];
    const child = spawn(NODE, [...DOCENT_ARGS, ...args], { cwd: REPO_ROOT, env: docentEnv({ DOCENT_THREADS: '1' }) });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        // The first streamed words: the answer is under way, and Ctrl-C now stops it.
        if (!stdout) child.kill('SIGINT');
        stdout += chunk.toString();
      });
      child.on('close', resolve);
    });
    expect(code, stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(stdout).toMatch(/\n\n(No sources cited|Sources) \(stopped\)/);
    const written = stdout.slice(0, stdout.search(/\n\n(No sources cited|Sources)/));
    expect(written.length).toBeGreaterThan(0);

    const list = JSON.parse(docent(['conversations', '--json', '--db', db]).stdout) as { conversations: { id: number; messages: number }[] };
    expect(list.conversations).toHaveLength(1);
    expect(list.conversations[0]!.messages).toBe(2);
    const exported = docent(['export', String(list.conversations[0]!.id), '--db', db]);
    // What streamed was made terminal-safe; the export keeps the answer as it was generated.
    expect(terminalSafe(exported.stdout)).toContain(`**Docent:** ${written.trim()}`);
    expect(exported.stdout).toContain('_Stopped before it was finished._');
  });

  it('in a terminal, Ctrl-C stops an answer, clears a typed line, and ends the chat only when pressed twice', async () => {
    const db = knownFactsLibrary();
    const question = 'How many pipes does the cathedral organ contain?';
    // util-linux's script(1) gives the chat a real terminal, where Ctrl-C reaches readline as a key.
    const command = shellCommand(['chat', '--db', db, '--model', models.chatModel, '--max-tokens', '3000', '--temperature', '1', '--seed', '4']);
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: REPO_ROOT, env: docentEnv({ DOCENT_THREADS: '1' }) });
    let output = '';
    const waiters: (() => void)[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const check of [...waiters]) check();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    /** Waits for `pattern` in what the chat writes after `from`; returns where the match ends. */
    const waitFor = (pattern: RegExp, from: number) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No ${pattern} in the chat's output:\n${output.slice(from)}`)), 60_000);
        const check = () => {
          const match = pattern.exec(output.slice(from));
          if (!match) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(from + match.index + match[0].length);
        };
        waiters.push(check);
        check();
      });
    const ctrlC = '\u0003';
    // A failed step must not leave the chat running.
    onTestFinished(() => void child.kill());

    let at = await waitFor(/You: /, 0);
    child.stdin.write(ctrlC);
    at = await waitFor(/press Ctrl-C again[^\n]*\n\s*You: /, at);
    // Still running: a typed line is cleared by Ctrl-C, then the question is asked.
    child.stdin.write('half typed');
    child.stdin.write(ctrlC);
    child.stdin.write(`${question}\r`);
    at = await waitFor(/Docent: \S/, at);
    child.stdin.write(ctrlC);
    at = await waitFor(/\((stopped)\)[\s\S]*You: /, at);
    // Enter then Ctrl-C at once: the Ctrl-C is for the question just entered (its answer is
    // stopped), not for the prompt it left (which printed the exit hint and a new "You:" before
    // the answer).
    const before = at;
    child.stdin.write(`${question}\r${ctrlC}`);
    at = await waitFor(/\((stopped)\)[^\n]*\n[\s\S]*You: /, at);
    expect(output.slice(before, at)).not.toContain('press Ctrl-C again');
    expect(output.slice(before, at)).toMatch(/^[^\n]*\r?\n\s*Docent: /);
    child.stdin.write(ctrlC);
    at = await waitFor(/press Ctrl-C again/, at);
    child.stdin.write(ctrlC);
    await waitFor(/Conversation \d+ is saved/, at);
    expect(await exited).toBe(0);

    const list = JSON.parse(docent(['conversations', '--json', '--db', db]).stdout) as { conversations: { id: number; title: string; messages: number }[] };
    expect(list.conversations).toMatchObject([{ title: question, messages: 4 }]);
    expect(docent(['export', String(list.conversations[0]!.id), '--db', db]).stdout).toContain(`**You:** ${question}\n`);
  });

  it('on a terminal, writes every file\'s result line beside the progress bars', async () => {
    const dir = tempDir();
    const notPdf = path.join(dir, 'notes.txt');
    fs.writeFileSync(notPdf, 'plain text');
    // Other bytes than the report's: a second document, ingested last.
    const changed = path.join(dir, 'changed.pdf');
    fs.writeFileSync(changed, Buffer.concat([fs.readFileSync(KNOWN_FACTS_PDF), Buffer.from('\n% changed\n')]));
    const run = await inTerminal(['ingest', KNOWN_FACTS_PDF, notPdf, changed, '--db', tempDb(), '--embedding-model', models.embeddingModel]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/✔ [^\n]*known-facts\.pdf: 3 pages, \d+ chunks/);
    expect(run.output).toMatch(/✘ [^\n]*notes\.txt: [^\n]*\[NOT_A_PDF\]/);
    expect(run.output).toMatch(/✔ [^\n]*changed\.pdf: 3 pages, \d+ chunks/);
    expect(run.output).toContain('2 of 3 files in the library, 1 failed.');
  });

  it('says what is wrong with an option, in one line, and exits 2 before opening any library', () => {
    const db = tempDb();
    const cases: [string[], RegExp][] = [
      [['--db', '', 'docs'], /--db.*empty/],
      [['docs', '--db', ''], /--db.*empty/],
      [['search', 'x', '--k', '201', '--db', db], /--k.*from 1 to 200/],
      [['search', 'x', '--k', '2.5', '--db', db], /--k.*whole number from 1 to 200/],
      [['rm', '99999999999999999999', '--db', db], /document id.*whole number/],
      [['export', '-1', '--db', db], /conversation id.*whole number/],
      [['ask', 'q', '--max-tokens', '4097', '--db', db], /--max-tokens.*from 1 to 4096/],
      [['ask', 'x'.repeat(4001), '--db', db], /question is 4001 characters long; at most 4000/],
      [['ask', '   ', '--db', db], /question is empty/],
      [['ask', '🎼'.repeat(4001), '--db', db], /question is 4001 characters long; at most 4000/],
      [['conversations', 'rename', '1', 'x'.repeat(201), '--db', db], /title is 201 characters long; at most 200/],
      [['ask', 'q', '--adapter', 'style.gguf:abc', '--db', db], /--adapter.*scale "abc".*from 0 to 4/],
      [['ask', 'q', '--adapter', 'style.gguf:5', '--db', db], /--adapter.*scale "5".*from 0 to 4/],
      [['ask', 'q', ...Array.from({ length: 9 }, (_, i) => ['--adapter', `style${i}.gguf`]).flat(), '--db', db], /--adapter.*at most 8 adapters can be attached to one answer/],
      [['chat', '--json', '--db', db], /chat.*--json.*docent ask/],
      [['conversations', 'delete', '15', '--db', db], /docent conversations rm 15/],
    ];
    for (const [args, message] of cases) {
      const run = docent(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr, args.join(' ')).not.toMatch(/✖|→ at|\n\s+at /);
    }
    // None of them opened a library: not the one named, not the default one.
    expect(fs.existsSync(db)).toBe(false);
    expect(fs.readdirSync(USER_DATA)).toEqual([]);
  });

  it('with --json, an error is also a JSON object on stdout, with the same exit code', () => {
    const db = tempDb();
    const notFound = docent(['rm', '999', '--json', '--db', db]);
    expect(notFound.code).toBe(1);
    expect(JSON.parse(notFound.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: 'There is no document with id 999.' } });
    expect(notFound.stderr).toBe('docent: There is no document with id 999. [NOT_FOUND]\n');
    const usage = docent(['--json', 'search', '--db', db]);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining("missing required argument 'query'") });
    const limit = docent(['search', 'x', '--k', '0', '--json', '--db', db]);
    expect(limit.code).toBe(2);
    expect(JSON.parse(limit.stdout).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('--k') });
    const noFiles = docent(['ingest', tempDir(), '--json', '--db', db, '--embedding-model', models.embeddingModel]);
    expect(noFiles.code).toBe(1);
    expect(JSON.parse(noFiles.stdout)).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });

  it('ingest --json, interrupted with Ctrl-C, still says which files were done', async () => {
    const db = tempDb();
    const child = spawn(NODE, [...DOCENT_ARGS, 'ingest', KNOWN_FACTS_PDF, GEOTOPO, '--json', '--db', db, '--embedding-model', models.embeddingModel], {
      cwd: REPO_ROOT,
      env: docentEnv(),
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // Interrupted once the first document is being indexed: GeoTopo's 117 pages take seconds.
    const documents = () => {
      if (!fs.existsSync(db)) return 0;
      const library = new Database(db, { readonly: true, fileMustExist: true });
      try {
        return library.prepare('SELECT count(*) FROM documents').pluck().get() as number;
      } catch {
        return 0; // not migrated yet
      } finally {
        library.close();
      }
    };
    while (documents() === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const printed = JSON.parse(stdout) as { files: { path: string }[]; interrupted: boolean };
    expect(printed.interrupted).toBe(true);
    expect(printed.files.map((f) => f.path)).not.toContain(GEOTOPO);
  });

  it('ends quietly when its output is closed, and turns file and port errors into one line', async () => {
    const db = knownFactsLibrary();
    // A reader that stops reading (docent docs | head -1): no stack trace, the status of a closed pipe.
    const dir = tempDir();
    const notPdf = path.join(dir, 'notes.txt');
    fs.writeFileSync(notPdf, 'plain text');
    const child = spawn(NODE, [...DOCENT_ARGS, 'ingest', notPdf, KNOWN_FACTS_PDF, notPdf, '--db', db], { cwd: REPO_ROOT, env: docentEnv() });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(141);

    const saved = docent(['ask', 'Where do the quokka populations live?', '--db', db, '--model', models.chatModel, '--max-tokens', '8'], { DOCENT_THREADS: '1' });
    const id = /Conversation (\d+)/.exec(saved.stderr)?.[1];
    expect(id, saved.stderr).toBeDefined();
    const folder = docent(['export', id!, '-o', dir, '--db', db]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`docent: Cannot write to ${dir}: it is a folder. Give a file name. [INVALID_INPUT]\n`);
    const missing = path.join(dir, 'missing', 'x.md');
    const noFolder = docent(['export', id!, '-o', missing, '--db', db, '--json']);
    expect(noFolder.code).toBe(1);
    expect(JSON.parse(noFolder.stdout).error).toEqual({ code: 'FILE_NOT_FOUND', message: `Cannot write ${missing}: there is no folder ${path.dirname(missing)}.` });
    const written = path.join(dir, 'x.md');
    const ok = docent(['export', id!, '-o', written, '--db', db]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`Wrote conversation ${id} to ${written}.\n`);
    expect(fs.readFileSync(written, 'utf8')).toContain('**You:** Where do the quokka populations live?');
    // `-o -` is standard output, not a file named "-".
    const dash = docent(['export', id!, '-o', '-', '--db', db]);
    expect(dash.code, dash.stderr).toBe(0);
    expect(dash.stdout).toBe(fs.readFileSync(written, 'utf8'));
    expect(fs.existsSync(path.join(REPO_ROOT, '-'))).toBe(false);

    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void taken.close());
    const port = (taken.address() as net.AddressInfo).port;
    const serve = docent(['serve', '--port', String(port), '--db', db]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toBe(`docent: Port ${port} is already in use on 127.0.0.1. Choose another with --port, or --port 0 for any free one. [BUSY]\n`);
  });

  it('checks chat\'s options before the first prompt, and handles its own commands', () => {
    const db = knownFactsLibrary();
    const chat = (args: string[], input: string) => {
      const run = spawnSync(NODE, [...DOCENT_ARGS, 'chat', '--db', db, ...args], {
        cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, input, env: docentEnv({ DOCENT_THREADS: '1' }),
      });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    };
    const withModel = ['--model', models.chatModel, '--max-tokens', '8'];
    for (const [args, code, message] of [
      [['--conversation', '999', ...withModel], 1, 'There is no conversation with id 999. [NOT_FOUND]'],
      [['--doc', '999', ...withModel], 1, 'There is no document with id 999. [NOT_FOUND]'],
      [[], 1, '[MODEL_NOT_FOUND]'],
      [['--model', models.chatModel, '--max-tokens', '4096'], 2, '--max-tokens'],
      [['--adapter', `${models.loraWrongDimensions}:0`, ...withModel], 1, '[ADAPTER_MISMATCH]'],
    ] as const) {
      const run = chat([...args], 'Where do the quokka populations live?\n/exit\n');
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(code);
      expect(run.stderr).toContain(message);
      // Refused before the first prompt: no question was read.
      expect(run.stdout).not.toContain('You: ');
      expect(run.stdout).not.toContain('Docent: ');
      expect(run.stdout).not.toContain('is saved');
    }
    const commands = chat(withModel, '/help\n/frobnicate\n/quit\nWhere do the quokka populations live?\n');
    expect(commands.code, commands.stderr).toBe(0);
    expect(commands.stdout).toContain('/exit');
    expect(commands.stdout).toContain('Unknown command /frobnicate');
    expect(commands.stdout).not.toContain('Docent: ');
    expect(commands.stdout).not.toContain('is saved');
    const list = JSON.parse(docent(['conversations', '--json', '--db', db]).stdout) as { conversations: unknown[] };
    expect(list.conversations).toEqual([]);
  });

  it('shows the ask\'s conversation, titles on one line, and its version', () => {
    const db = knownFactsLibrary();
    const ask = docent(['ask', 'Where do the quokka populations live?', '--db', db, '--model', models.chatModel, '--max-tokens', '8'], { DOCENT_THREADS: '1' });
    expect(ask.code, ask.stderr).toBe(0);
    expect(ask.stderr).toMatch(/^Conversation 1: continue it with --conversation 1; docent export 1 writes it out\.\n$/);
    expect(docent(['conversations', 'rename', '1', 'Quokkas\nand\r\n\tfoxes', '--db', db]).code).toBe(0);
    expect(docent(['conversations', '--db', db]).stdout).toMatch(/^1 .* 2 messages {2}Quokkas and foxes\n$/);
    const version = docent(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    const serveHelp = docent(['serve', '--help']).stdout;
    expect(serveHelp).toContain('(default: any free port)');
    expect(serveHelp).not.toContain('(default: 0)');
  });

  it('reports the backend and memory, and loads a chat model to check it', () => {
    const db = tempDb();
    const bare = docent(['model', '--json', '--db', db]);
    expect(bare.code, bare.stderr).toBe(0);
    const status = JSON.parse(bare.stdout) as { backend: string; deviceNames: string[]; ram: { total: number; free: number; used: number }; vram: unknown; chatModel: unknown };
    expect(['cuda', 'vulkan', 'metal', 'cpu']).toContain(status.backend);
    expect(status.deviceNames.length).toBeGreaterThan(0);
    expect(status.ram.total).toBeGreaterThan(status.ram.free);
    expect(status.ram.used).toBeGreaterThan(10 * 1024 ** 2);
    expect(status.ram.used).toBeLessThan(status.ram.total);
    expect(status.chatModel).toBeNull();

    const loaded = docent(['model', '--json', '--db', db, '--model', models.chatModel]);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(JSON.parse(loaded.stdout).chatModel).toMatchObject({ path: models.chatModel, name: expect.any(String), contextSize: expect.any(Number) });
    const text = docent(['model', '--db', db], { DOCENT_MODEL: models.chatModel });
    expect(text.stdout).toMatch(/^Backend: +(CPU|CUDA|Vulkan|Metal) \(.+\)\n/);
    expect(text.stdout).toMatch(/RAM: +[\d.]+ GiB used by Docent; [\d.]+ GiB free of [\d.]+ GiB/);
    expect(text.stdout).toMatch(/Chat model: +.+, context \d+ tokens/);

    const wrong = docent(['model', '--db', db, '--model', models.embeddingModel]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('is an embedding model, not a chat model. [MODEL_INVALID]');
    const missing = docent(['model', '--db', db, '--model', path.join(tempDir(), 'nope.gguf')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('MODEL_NOT_FOUND');
  });
});

