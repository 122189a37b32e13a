import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { err, events, methods, type EventName, type MethodName } from '../../preload/contract/index.js';
import { errorMessage } from '../core/errors.js';
import type { Core } from '../core/index.js';
import { CONTENT_SECURITY_POLICY, contentTypeFor, isAllowedHost, isAllowedOrigin, requestToken, resolveStaticPath, tokenMatches } from './security.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The UI `npm run build` writes: dist/renderer in the app's folder (this file runs from dist/main/server, or main/server in tests). */
export const RENDERER_DIR = path.resolve(here, here.split(path.sep).includes('dist') ? '../../..' : '../..', 'dist', 'renderer');

/**
 * The built UI's folder for `staticDir`, or undefined after saying on stderr (each line after
 * `prefix`) that it is not built: the doors that print a URL to open serve the UI with the API.
 */
export function builtRendererDir(prefix = ''): string | undefined {
  if (fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) return RENDERER_DIR;
  process.stderr.write(`${prefix}The UI is not built (${RENDERER_DIR} has no index.html); run \`npm run build\`. The API works.\n`);
  return undefined;
}

export interface ServerOptions {
  core: Core;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The built renderer; without it the root page says the UI is not built. */
  staticDir?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;
const MAX_UPLOAD = 1 << 30;

/** File systems take names of up to 255 bytes; a little is left for what a copy might add. */
const MAX_NAME_BYTES = 240;

/**
 * A safe file name for an upload: its last path segment, without control or path characters,
 * and short enough for the file system in UTF-8 (100 Japanese characters are 300 bytes), cut
 * between characters and keeping its extension.
 */
export function uploadName(raw: string | null): string | null {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed
  const clean = base.replace(/[\u0000-\u001f<>:"|?*]/g, '_').replace(/^\.+/, '');
  if (Buffer.byteLength(clean) <= MAX_NAME_BYTES) return clean || null;
  const suffix = path.extname(clean);
  const extension = suffix.length <= 16 ? suffix : '';
  let stem = '';
  let room = MAX_NAME_BYTES - Buffer.byteLength(extension);
  for (const character of clean.slice(0, clean.length - extension.length)) {
    room -= Buffer.byteLength(character);
    if (room < 0) break;
    stem += character;
  }
  return stem + extension;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

/** A request the server could not answer: said, not thrown (a throw here stopped the server). */
function failed(res: http.ServerResponse, error: unknown): void {
  if (!res.headersSent) send(res, 500, err('INTERNAL', `The server could not answer: ${errorMessage(error)}`));
  else res.destroy();
}

/**
 * A file's bytes, or `missing()` when it cannot be opened as a file: gone, a folder now, or
 * unreadable. Headers go out only once it is open; an error there stopped the server.
 */
function sendFile(res: http.ServerResponse, file: string, contentType: string, missing: () => void): void {
  let isFile = false;
  try {
    isFile = fs.statSync(file).isFile();
  } catch {
    // gone or unreadable: missing
  }
  if (!isFile) return missing();
  const stream = fs.createReadStream(file);
  stream.once('error', () => (res.headersSent ? res.destroy() : missing()));
  stream.once('ready', () => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentType });
    stream.pipe(res);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // The rest is read and dropped, so the reply saying why reaches the client (destroying
        // the request reset the connection before it).
        chunks.length = 0;
        reject(new Error('too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The core over loopback HTTP: `POST /api/<method>` with the method's input as JSON returns its
 * Result; `GET /api/events` streams the contract's events as server-sent events. Binds
 * 127.0.0.1 only; every API request must carry the per-launch token.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(32).toString('hex');
  const { core } = options;
  let port = 0;
  const streams = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      failed(res, error);
    }
  });

  function route(req: http.IncomingMessage, res: http.ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      // An address such as //[ (any local process could send one): it stopped the server.
      send(res, 400, err('INVALID_INPUT', 'Malformed request address.'));
      return;
    }
    if (!isAllowedHost(req.headers.host, port) || !isAllowedOrigin(req.headers.origin, port)) {
      send(res, 403, err('INVALID_INPUT', 'Forbidden host or origin.'));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (!tokenMatches(requestToken(req.headers.authorization, url), token)) {
        send(res, 401, err('INVALID_INPUT', 'Missing or wrong token: open the URL Docent printed.'));
        return;
      }
      if (url.pathname === '/api/events' && req.method === 'GET') return openEventStream(res);
      if (url.pathname === '/api/upload' && req.method === 'POST') return void upload(url, req, res).catch((error: unknown) => failed(res, error));
      const documentFile = /^\/api\/documents\/(\d+)\/file$/.exec(url.pathname);
      if (documentFile && req.method === 'GET') return serveDocument(Number(documentFile[1]), res);
      const name = url.pathname.slice('/api/'.length);
      if (!Object.hasOwn(methods, name)) {
        send(res, 404, err('NOT_FOUND', `No API method ${name}.`));
        return;
      }
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        send(res, 405, err('INVALID_INPUT', `Call ${name} with POST.`));
        return;
      }
      void callMethod(name as MethodName, req, res).catch((error: unknown) => failed(res, error));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, err('INVALID_INPUT', 'Method not allowed.'));
      return;
    }
    serveStatic(url.pathname, res);
  }

  async function callMethod(name: MethodName, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let input: unknown;
    try {
      const body = await readBody(req);
      input = body ? JSON.parse(body) : {};
    } catch {
      send(res, 400, err('INVALID_INPUT', 'The request body must be JSON of at most 1 MB.'));
      return;
    }
    // The core validates the input with the contract's schema, as every door does.
    const call = core[name] as (input: unknown) => Promise<unknown>;
    send(res, 200, await call(input));
  }

  /**
   * Browser mode cannot hand us a file's path, so the page uploads the bytes: they are kept in
   * the library's folder (documents/<content hash>/<name>), and the page then ingests that path.
   */
  async function upload(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const name = uploadName(url.searchParams.get('name'));
    if (!name) {
      send(res, 400, err('INVALID_INPUT', 'Give the file name as ?name=.'));
      return;
    }
    const folder = path.join(path.dirname(core.dbPath), 'documents');
    fs.mkdirSync(folder, { recursive: true });
    const partial = path.join(folder, `.upload-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        req,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > MAX_UPLOAD) throw new Error('too large');
            hash.update(chunk);
            yield chunk;
          }
        },
        fs.createWriteStream(partial),
      );
    } catch {
      fs.rmSync(partial, { force: true });
      send(res, 413, err('INVALID_INPUT', `The upload failed or is larger than ${MAX_UPLOAD >> 20} MB.`));
      return;
    }
    // One folder per content hash keeps the file's own name (and so the document's title).
    const file = path.join(folder, hash.digest('hex').slice(0, 16), name);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.renameSync(partial, file);
    } finally {
      // Not left behind when the rename fails (the error is answered as any other).
      fs.rmSync(partial, { force: true });
    }
    send(res, 200, { ok: true, value: { path: file } });
  }

  /** The bytes of a document in the library (and of nothing else), for the viewer. */
  function serveDocument(id: number, res: http.ServerResponse): void {
    const doc = core.getDocument(id);
    const gone = () => send(res, 404, err('NOT_FOUND', `Document ${id} is not in the library, or its file is gone or cannot be read.`));
    if (!doc) gone();
    else sendFile(res, doc.path, 'application/pdf', gone);
  }

  function openEventStream(res: http.ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = (Object.keys(events) as EventName[]).map((name) =>
      core.on(name, (payload) => res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)),
    );
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    streams.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe.forEach((off) => off());
      streams.delete(res);
    });
  }

  function serveStatic(urlPath: string, res: http.ServerResponse): void {
    const file = options.staticDir ? resolveStaticPath(options.staticDir, urlPath) : null;
    if (!options.staticDir) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Docent is running. The API is at /api; the window UI is not built (npm run build).\n');
      return;
    }
    const notFound = () => {
      res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found.\n');
    };
    if (!file) notFound();
    else sendFile(res, file, contentTypeFor(file), notFound);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    async close() {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Why the server could not listen on `port`, for a person; `choose` says how to pick another
 * port (`--port` and `--port 0`, or `DOCENT_PORT` and `DOCENT_PORT=0`). A port in use is the usual case.
 */
export function listenProblem(error: unknown, port: number, choose: { option: string; anyFree: string }): { kind: 'in use' | 'not allowed' | 'other'; message: string } {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') {
    return { kind: 'in use', message: `Port ${port} is already in use on 127.0.0.1. Choose another with ${choose.option}, or ${choose.anyFree} for any free one.` };
  }
  if (code === 'EACCES') {
    return { kind: 'not allowed', message: `This user may not listen on port ${port}. Choose a port above 1023 with ${choose.option}, or ${choose.anyFree} for any free one.` };
  }
  return { kind: 'other', message: `Could not listen on 127.0.0.1:${port}: ${errorMessage(error)}` };
}

/** A port as typed (a flag or an environment variable): digits, 0 to 65535; null otherwise. */
export function parsePort(value: string): number | null {
  const port = Number(value);
  return /^\d+$/.test(value) && port <= 65535 ? port : null;
}

/** Serves until Ctrl-C or SIGTERM, then closes the server and the core. */
export async function serveUntilStopped(server: { close(): Promise<void> }, core: Core): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await core.close();
}
