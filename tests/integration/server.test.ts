import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core/index.js';
import { electronAvailability } from '../../main/electron/detect.js';
import { RENDERER_DIR, startServer, uploadName, type RunningServer } from '../../main/server/http-door.js';
import { KNOWN_FACTS_PDF, REPO_ROOT } from '../fixtures/paths.js';
import { ensureRendererBuilt } from '../e2e/helpers.js';
import { models, openCore, tempDir } from './helpers.js';

describe('the HTTP door', () => {
  let core: Core;
  let server: RunningServer;
  const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    core = openCore();
    server = await startServer({ core, staticDir: tempDir() });
  });
  afterAll(async () => {
    await server.close();
    await core.close();
  });

  it('binds 127.0.0.1 and prints a URL with its per-launch token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers contract methods with the same Result shape and validation as the core', async () => {
    expect(await (await api('listDocuments', {})).json()).toEqual({ ok: true, value: { documents: [] } });
    expect(await (await api('search', { query: '  ' })).json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect((await api('noSuchMethod', {})).status).toBe(404);
    const get = await fetch(`http://127.0.0.1:${server.port}/api/listDocuments`, { headers: { Authorization: `bearer ${server.token}` } });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']); // before: 404 "No API method", and 401 for "bearer"
    expect((await api('toString', {})).status).toBe(404);
  });

  it('refuses requests without the token, from another origin, or for another host', async () => {
    expect((await api('listDocuments', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${server.port}/api/listDocuments`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await api('listDocuments', {}, { Origin: 'http://evil.example' })).status).toBe(403);
    const status = await new Promise<number>((resolve, reject) => {
      http
        .request({ host: '127.0.0.1', port: server.port, path: '/api/listDocuments', method: 'POST', headers: { Host: `evil.example:${server.port}`, Authorization: `Bearer ${server.token}` } }, (res) => resolve(res.statusCode ?? 0))
        .on('error', reject)
        .end('{}');
    });
    expect(status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${server.port}/..%2fpackage.json`)).status).toBe(404);
  });

  it('takes an upload into the library folder, ingests it by path, and serves only library documents', async () => {
    const bytes = fs.readFileSync(KNOWN_FACTS_PDF);
    const upload = await fetch(`http://127.0.0.1:${server.port}/api/upload?name=${encodeURIComponent('../../evil/Known Facts.pdf')}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/pdf' },
      body: bytes,
    });
    const { value } = (await upload.json()) as { value: { path: string } };
    const info = (await (await api('libraryInfo', {})).json()) as { value: { dbPath: string } };
    expect(path.dirname(path.dirname(value.path))).toBe(path.join(path.dirname(info.value.dbPath), 'documents'));
    expect(path.basename(path.dirname(value.path))).toMatch(/^[0-9a-f]{16}$/);
    expect(path.basename(value.path)).toBe('Known Facts.pdf');
    expect(fs.readFileSync(value.path).equals(bytes)).toBe(true);
    const started = (await (await api('ingest', { paths: [value.path] })).json()) as { value: { jobId: string } };
    const [file] = await core.waitForIngest(started.value.jobId);
    expect(file).toMatchObject({ outcome: 'ingested', pages: 3 });

    const pdf = await fetch(`http://127.0.0.1:${server.port}/api/documents/${file!.documentId}/file?token=${server.token}`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${server.port}/api/documents/999/file?token=${server.token}`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/api/documents/${file!.documentId}/file`)).status).toBe(401);
    expect(uploadName('a/b\\c:d.pdf')).toBe('c_d.pdf');
    expect(uploadName('...')).toBeNull();
    // 99 Japanese characters are 297 bytes, over the 255 a file name may have: the upload failed
    // (500, ENAMETOOLONG) and left its partial file behind. Cut between characters, the extension kept.
    const long = '日本語の長い論文の題名'.repeat(9);
    expect(uploadName(`${long}.pdf`)).toBe(`${long.slice(0, 78)}.pdf`);
    const uploaded = await fetch(`http://127.0.0.1:${server.port}/api/upload?name=${encodeURIComponent(`${long}.pdf`)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/pdf' },
      body: bytes,
    });
    expect(uploaded.status).toBe(200);
    const kept = ((await uploaded.json()) as { value: { path: string } }).value.path;
    expect(path.basename(kept)).toBe(`${long.slice(0, 78)}.pdf`);
    expect(fs.readFileSync(kept).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.dirname(path.dirname(kept))).filter((f) => f.startsWith('.upload-'))).toEqual([]);
    fs.rmSync(kept);
    // Its file replaced by a folder: a 404, and the server goes on (before: EISDIR stopped it).
    fs.rmSync(value.path);
    fs.mkdirSync(value.path);
    expect((await fetch(`http://127.0.0.1:${server.port}/api/documents/${file!.documentId}/file?token=${server.token}`)).status).toBe(404);
    expect((await api('listDocuments', {})).status).toBe(200);
    fs.rmdirSync(value.path);
    await core.removeDocument({ documentId: file!.documentId! });
  });

  it('answers a malformed address or an oversized body with 400 and goes on serving', async () => {
    // Any local process could send this; `new URL` threw and stopped the server.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.end(`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain('Malformed request address.');
    // Over 1 MB: the reply says so (the connection was reset before it).
    const big = await fetch(`http://127.0.0.1:${server.port}/api/listDocuments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: `"${'x'.repeat(3 << 20)}"`,
    });
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({ ok: false, error: { message: 'The request body must be JSON of at most 1 MB.' } });
    expect((await api('listDocuments', {})).status).toBe(200);
  });

  it('streams ingest progress as server-sent events, sending only what changed', async () => {
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${server.port}/api/events?token=${server.token}`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const started = (await (await api('ingest', { paths: [KNOWN_FACTS_PDF] })).json()) as { ok: boolean; value: { jobId: string } };
    expect(started.ok).toBe(true);
    let text = '';
    while (!text.includes('event: ingest:done')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const progress = [...text.matchAll(/event: ingest:progress\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(progress.at(-1)).toMatchObject({ jobId: started.value.jobId, pagesDone: 3, pagesTotal: 3 });
    expect(Object.keys(progress[0]!).sort()).toEqual(['documentId', 'jobId', 'pagesDone', 'pagesTotal', 'path']);
  });
});

describe('docent serve', () => {
  it('prints the URL with its token on its first line and serves the API and the built UI there', async () => {
    ensureRendererBuilt();
    const index = path.join(RENDERER_DIR, 'index.html');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main/cli/docent.ts'), 'serve', '--db', path.join(tempDir(), 'l.sqlite'), '--embedding-model', models.embeddingModel], { cwd: REPO_ROOT });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const url = new URL(firstLine);
      expect(url.hostname).toBe('127.0.0.1');
      const token = url.searchParams.get('token')!;
      const response = await fetch(new URL('/api/libraryInfo', url), { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });
      expect(await response.json()).toMatchObject({ ok: true, value: { documents: 0 } });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(fs.readFileSync(index, 'utf8'));
    } finally {
      child.kill('SIGINT');
    }
  });
});

describe.skipIf(electronAvailability().available)('npm start in browser mode', () => {
  const start = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main/electron/launch.ts')], {
        cwd: REPO_ROOT,
        env: { ...process.env, DOCENT_DB: path.join(tempDir(), 'l.sqlite'), DOCENT_EMBEDDING_MODEL: models.embeddingModel, ...env },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });

  it('says in a sentence, not a stack trace, that its port is not a port or is taken', async () => {
    const typo = await start({ DOCENT_PORT: 'abc' }); // before: served on a random port
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('Docent: DOCENT_PORT must be a port from 0 to 65535 (0: any free one); it is "abc".');
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const busy = await start({ DOCENT_PORT: String(port) });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain(`Docent: Port ${port} is already in use on 127.0.0.1. Choose another with DOCENT_PORT, or DOCENT_PORT=0 for any free one.`);
      expect(busy.stderr).not.toMatch(/^\s+at /m); // before: the EADDRINUSE stack
    } finally {
      taken.close();
    }
  });
});
