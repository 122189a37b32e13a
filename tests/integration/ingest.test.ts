import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, GEOTOPO, KNOWN_FACTS_PDF } from '../fixtures/paths.js';
import { filler, KNOWN_FACTS, writePdf } from '../fixtures/pdf.js';
import { openDatabase } from '../../main/core/store/database.js';
import { DocumentStore } from '../../main/core/store/documents.js';
import { ingest, openCore, rowCounts, tempDir, value } from './helpers.js';

describe('ingesting a PDF with known text on known pages', () => {
  const core = openCore();
  afterAll(() => core.close());

  it('indexes every page, keeps 1-based pages, spans and boxes', async () => {
    const progress: number[] = [];
    core.on('ingest:progress', (e) => progress.push(e.pagesDone));
    const [file] = await ingest(core, [KNOWN_FACTS_PDF]);
    expect(file).toMatchObject({ outcome: 'ingested', pages: 3, error: null });
    expect(file!.chunks).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(3);

    const info = value(await core.libraryInfo({}));
    const db = new Database(info.dbPath, { readonly: true });
    const doc = db.prepare('SELECT * FROM documents').get() as { title: string; status: string; page_count: number };
    expect(doc).toMatchObject({ title: 'Known Facts Report', status: 'ready', page_count: 3 });
    const pages = db.prepare('SELECT page_number, text FROM pages ORDER BY page_number').all() as { page_number: number; text: string }[];
    expect(pages.map((p) => p.page_number)).toEqual([1, 2, 3]);
    const chunks = db.prepare('SELECT * FROM chunks').all() as {
      page_number: number; char_start: number; char_end: number; text: string; boxes: string;
    }[];
    for (const chunk of chunks) {
      const pageText = pages[chunk.page_number - 1]!.text;
      expect(pageText.slice(chunk.char_start, chunk.char_end)).toBe(chunk.text);
      expect(JSON.parse(chunk.boxes).length).toBeGreaterThan(0);
    }
    for (const fact of KNOWN_FACTS) {
      const holder = chunks.find((c) => c.text.replace(/\s+/g, ' ').includes(fact.text));
      expect(holder?.page_number, fact.text).toBe(fact.page);
    }
    db.close();
  });

  it('finds each fact on its page: keyword leg by words, vector and hybrid legs by the passage', async () => {
    for (const fact of KNOWN_FACTS) {
      const keyword = value(await core.search({ query: fact.text, k: 3, mode: 'keyword' })).hits;
      expect(keyword[0]).toMatchObject({ page: fact.page, title: 'Known Facts Report', vectorScore: null });
      expect(keyword[0]!.text.replace(/\s+/g, ' ')).toContain(fact.text);
      expect(keyword[0]!.keywordScore).toBeGreaterThan(0);

      // The fixture embedding model has random weights, so only identical text is guaranteed to be
      // nearest: the chunk's own text must come back first, at cosine similarity 1.
      const passage = keyword[0]!.text;
      const vector = value(await core.search({ query: passage, k: 3, mode: 'vector' })).hits;
      expect(vector[0]).toMatchObject({ chunkId: keyword[0]!.chunkId, page: fact.page, keywordScore: null });
      expect(vector[0]!.vectorScore).toBeCloseTo(1, 4);
      const hybrid = value(await core.search({ query: passage, k: 3 })).hits;
      expect(hybrid[0]).toMatchObject({ chunkId: keyword[0]!.chunkId, page: fact.page });
      expect(hybrid[0]!.score).toBeCloseTo(2 / 61, 6);
    }
  });

  it('limits search to chosen documents', async () => {
    const [other] = await ingest(core, [path.join(CORPUS, '021-pdfa/crazyones-pdfa.pdf')]);
    const all = value(await core.search({ query: 'crazy ones misfits rebels', k: 5, mode: 'keyword' })).hits;
    expect(all[0]?.documentId).toBe(other!.documentId);
    const onlyReport = value(await core.search({ query: 'crazy ones misfits rebels', k: 5, documentIds: [1] })).hits;
    expect(onlyReport.length).toBeGreaterThan(0);
    expect(onlyReport.every((h) => h.documentId === 1)).toBe(true);
  });
});

/** What each corpus file must do: ingest, or fail with its own code. */
const EXPECTED_FAILURES: Record<string, string> = {
  'libreoffice-writer-password.pdf': 'PDF_ENCRYPTED',
  'imagemagick-ASCII85Decode.pdf': 'PDF_NO_TEXT',
  'imagemagick-CCITTFaxDecode.pdf': 'PDF_NO_TEXT',
  'imagemagick-images.pdf': 'PDF_NO_TEXT',
  'imagemagick-lzw.pdf': 'PDF_NO_TEXT',
  'grayscale-image.pdf': 'PDF_NO_TEXT',
  'cmyk-image.pdf': 'PDF_NO_TEXT',
  'unreadablemetadata.pdf': 'PDF_CORRUPT',
};

describe('the shared corpus', () => {
  const core = openCore();
  afterAll(() => core.close());

  it('ingests every file or fails it with its own error, and the batch goes on', async () => {
    const dir = tempDir();
    const notPdf = path.join(dir, 'notes.pdf');
    const empty = path.join(dir, 'empty.pdf');
    fs.writeFileSync(notPdf, 'These are plain text notes, not a PDF.');
    fs.writeFileSync(empty, '');
    const files = await ingest(core, [CORPUS, notPdf, empty, path.join(dir, 'missing.pdf')]);
    const byName = new Map(files.map((f) => [path.basename(f.path), f]));
    const corpusFiles = fs.readdirSync(CORPUS, { recursive: true }).map(String).filter((f) => f.endsWith('.pdf'));
    expect(corpusFiles.length).toBe(31);
    for (const file of corpusFiles) {
      const result = byName.get(path.basename(file))!;
      const expected = EXPECTED_FAILURES[path.basename(file)];
      if (expected) expect(result, file).toMatchObject({ outcome: 'failed', error: { code: expected } });
      else expect(result, file).toMatchObject({ outcome: 'ingested', error: null });
      if (!expected) expect(result.chunks, file).toBeGreaterThan(0);
    }
    expect(byName.get('notes.pdf')?.error?.code).toBe('NOT_A_PDF');
    expect(byName.get('empty.pdf')?.error?.code).toBe('PDF_EMPTY');
    expect(byName.get('missing.pdf')?.error?.code).toBe('FILE_NOT_FOUND');
    expect(byName.get('GeoTopo-komprimiert.pdf')).toMatchObject({ pages: 117 });
    for (const result of files) {
      if (!result.error) continue;
      expect(result.error.message.length).toBeGreaterThan(10);
      expect(result.error.message, 'punctuation doubled around a quoted pdf.js message').not.toMatch(/\.\)\.|\.\.$/);
    }

    // Failed documents keep their row and error, and nothing else.
    const info = value(await core.libraryInfo({}));
    const db = new Database(info.dbPath, { readonly: true });
    const orphans = db
      .prepare(`SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.status <> 'ready'`)
      .pluck()
      .get();
    expect(orphans).toBe(0);
    db.close();
    const counts = rowCounts(info.dbPath);
    expect(counts.fts).toBe(counts.chunks);
    expect(counts.vectors).toBe(counts.chunks);
  });

  it('reports image-only pages of a document that also has text', async () => {
    const dir = tempDir();
    // Page 2 of this PDF has no text at all: reported as a page without a text layer, not dropped silently.
    const file = await writePdf(path.join(dir, 'mixed.pdf'), [[filler(7, 5)], [], [filler(8, 5)]]);
    const [result] = await ingest(core, [file]);
    expect(result).toMatchObject({ outcome: 'ingested', pages: 3 });
    const doc = value(await core.listDocuments({})).documents.find((d) => d.id === result!.documentId)!;
    expect(doc.pagesIndexed).toBe(3);
    expect(doc.pages).toBe(3);
  });
});

describe('identity, changes and removal', () => {
  const core = openCore();
  afterAll(() => core.close());

  it('never indexes the same bytes twice, re-indexes a changed file, removes everything', async () => {
    const dir = tempDir();
    const original = path.join(dir, 'report.pdf');
    fs.copyFileSync(KNOWN_FACTS_PDF, original);
    const [first] = await ingest(core, [original]);
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const before = rowCounts(dbPath);

    const copy = path.join(dir, 'copy-of-report.pdf');
    fs.copyFileSync(original, copy);
    const [again, duplicate] = await ingest(core, [original, copy]);
    expect(again).toMatchObject({ outcome: 'unchanged', documentId: first!.documentId });
    expect(duplicate).toMatchObject({ outcome: 'unchanged', documentId: first!.documentId });
    expect(rowCounts(dbPath)).toEqual(before);

    // Same path, new bytes: the new version replaces the old one.
    await writePdf(original, [['A completely rewritten page about the lighthouse keeper of Skerryvore.']]);
    const [changed] = await ingest(core, [original]);
    expect(changed).toMatchObject({ outcome: 'ingested', pages: 1 });
    expect(changed!.documentId).not.toBe(first!.documentId);
    const docs = value(await core.listDocuments({})).documents;
    expect(docs.map((d) => d.id)).toEqual([changed!.documentId]);
    const { hits } = value(await core.search({ query: 'lighthouse keeper Skerryvore', k: 5 }));
    expect(hits.every((h) => h.documentId === changed!.documentId)).toBe(true);

    const removed = await core.removeDocument({ documentId: changed!.documentId! });
    expect(removed).toEqual({ ok: true, value: { removed: changed!.documentId } });
    expect(rowCounts(dbPath)).toEqual({ documents: 0, pages: 0, chunks: 0, fts: 0, vectors: 0 });
    const missing = await core.removeDocument({ documentId: 999 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('drops a failed attempt at a path once a file there ingests, keeping the version that works meanwhile', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'notes.pdf');
    const good = fs.readFileSync(KNOWN_FACTS_PDF);
    const atPath = async () => value(await core.listDocuments({})).documents.filter((d) => d.path === file).map((d) => d.status);

    // A broken file, then a good one at the same path: the failure goes.
    fs.writeFileSync(file, good.subarray(0, 2000));
    const [broken] = await ingest(core, [file]);
    expect(broken).toMatchObject({ outcome: 'failed', error: { code: 'PDF_CORRUPT' } });
    expect(broken!.error!.message).not.toMatch(/\.\)\./);
    fs.writeFileSync(file, good);
    const [fixed] = await ingest(core, [file]);
    expect(await atPath()).toEqual(['ready']);

    // A good file that breaks keeps its indexed version beside the failure; restored, only it remains.
    fs.writeFileSync(file, good.subarray(0, 2000));
    expect((await ingest(core, [file]))[0]).toMatchObject({ outcome: 'failed' });
    expect((await atPath()).sort()).toEqual(['failed', 'ready']);
    fs.writeFileSync(file, good);
    expect((await ingest(core, [file]))[0]).toMatchObject({ outcome: 'unchanged', documentId: fixed!.documentId });
    expect(await atPath()).toEqual(['ready']);
    value(await core.removeDocument({ documentId: fixed!.documentId! }));
  });

  it('indexes a file once when two ingests of it run at the same time (two drops, or the app and the CLI)', async () => {
    const file = path.join(tempDir(), 'twice.pdf');
    fs.copyFileSync(GEOTOPO, file);
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const before = rowCounts(dbPath);
    // Before: one ended "UNIQUE constraint failed: pages…" and the document was ready with pages missing.
    const [[first], [second]] = await Promise.all([ingest(core, [file]), ingest(core, [file])]);
    expect([first!.outcome, second!.outcome].sort()).toEqual(['ingested', 'unchanged']);
    expect(second!.documentId).toBe(first!.documentId);
    const document = value(await core.listDocuments({})).documents.find((d) => d.id === first!.documentId)!;
    expect(document).toMatchObject({ status: 'ready', pages: 117, error: null });
    const after = rowCounts(dbPath);
    expect(after.pages - before.pages).toBe(117);
    expect(after.chunks - before.chunks).toBe(first!.chunks);
    expect(after.fts).toBe(after.chunks);
    value(await core.removeDocument({ documentId: first!.documentId! }));
  });

  it('keeps one document per path: a file copied over another, or changed after its ingest was killed', async () => {
    const dir = tempDir();
    const [a, b] = [path.join(dir, 'a.pdf'), path.join(dir, 'b.pdf')];
    fs.copyFileSync(KNOWN_FACTS_PDF, a);
    await writePdf(b, [['A page about the lighthouse keeper of Skerryvore.']]);
    const [first, second] = await ingest(core, [a, b]);
    const atPath = async (file: string) => value(await core.listDocuments({})).documents.filter((d) => d.path === file).map((d) => d.id);

    // b's bytes copied over a: a no longer holds the first document (before: it stayed, and was cited).
    fs.copyFileSync(b, a);
    expect((await ingest(core, [a]))[0]).toMatchObject({ outcome: 'unchanged', documentId: second!.documentId });
    expect(await atPath(a)).toEqual([]);
    expect(value(await core.listDocuments({})).documents.map((d) => d.id)).not.toContain(first!.documentId);

    // An ingest of a killed mid-way (its row left 'indexing'), then a changed: the leftover goes (before: listed for ever).
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const other = openDatabase(dbPath);
    const killed = new DocumentStore(other, () => null);
    const leftover = killed.create({ contentHash: 'bytes a no longer has', path: a, title: 'a', fileSize: 1, fileMtimeMs: 0, replacesId: null });
    killed.startIndexing(leftover, 40, 'a');
    other.close();
    fs.copyFileSync(KNOWN_FACTS_PDF, a);
    const [changed] = await ingest(core, [a]);
    expect(changed).toMatchObject({ outcome: 'ingested' });
    expect(await atPath(a)).toEqual([changed!.documentId]);
    expect(leftover).not.toBe(changed!.documentId);
    for (const id of [changed!.documentId!, second!.documentId!]) value(await core.removeDocument({ documentId: id }));
  });

  it('resumes an unfinished document at the path its bytes are found at now', async () => {
    const dir = tempDir();
    const [a, b] = [path.join(dir, 'a.pdf'), path.join(dir, 'b.pdf')];
    await writePdf(a, [['The first file, about the harbor master of Port Ellen.']]);
    await writePdf(b, [['The second file, about the ferry timetable to Islay.']]);
    const [f, old] = await ingest(core, [a, b]);
    // An ingest of other bytes at a, killed before its first page: those bytes are now at b.
    const facts = fs.readFileSync(KNOWN_FACTS_PDF);
    const other = openDatabase(value(await core.libraryInfo({})).dbPath);
    const killed = new DocumentStore(other, () => null);
    const unfinished = killed.create({ contentHash: createHash('sha256').update(facts).digest('hex'), path: a, title: 'a', fileSize: facts.length, fileMtimeMs: 0, replacesId: f!.documentId });
    killed.startIndexing(unfinished, 3, 'a');
    other.close();
    fs.writeFileSync(b, facts);
    const [resumed] = await ingest(core, [b]);
    expect(resumed).toMatchObject({ documentId: unfinished, outcome: 'ingested' });
    const atPath = async (file: string) => value(await core.listDocuments({})).documents.filter((d) => d.path === file).map((d) => d.id);
    // Before: it stayed at a and, once ready, removed a's own document; b kept its old one.
    expect(await atPath(a)).toEqual([f!.documentId]);
    expect(await atPath(b)).toEqual([unfinished]);
    expect(old!.documentId).not.toBe(unfinished);
    for (const id of [f!.documentId!, unfinished]) value(await core.removeDocument({ documentId: id }));
  });

  it('does not let a version of a file that changed while it was read remove the newer one', async () => {
    const file = path.join(tempDir(), 'draft.pdf');
    fs.copyFileSync(GEOTOPO, file);
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const app = openCore({ dbPath }); // the app, beside this process's CLI
    try {
      const { jobId } = value(await core.ingest({ paths: [file] }));
      let newer: Promise<Awaited<ReturnType<typeof ingest>>> | null = null;
      const stop = core.on('ingest:progress', (e) => {
        if (e.jobId === jobId && e.pagesDone >= 8 && !newer) {
          // The file is saved again mid-way, and the app indexes the new version first.
          fs.copyFileSync(KNOWN_FACTS_PDF, file);
          newer = ingest(app, [file]);
        }
      });
      const [older] = await core.waitForIngest(jobId);
      stop();
      const [saved] = await newer!;
      expect(older).toMatchObject({ outcome: 'ingested', pages: 117 });
      const atPath = async () => value(await core.listDocuments({})).documents.filter((d) => d.path === file).map((d) => d.id).sort();
      // Before: the older version, when ready last, removed the newer one. (Ready first, it is
      // removed by the newer one, which is right too: which ends first depends on the machine.)
      expect(await atPath()).toContain(saved!.documentId);
      // The next ingest of the path keeps what the file holds.
      expect((await ingest(core, [file]))[0]).toMatchObject({ outcome: 'unchanged', documentId: saved!.documentId });
      expect(await atPath()).toEqual([saved!.documentId]);
      value(await core.removeDocument({ documentId: saved!.documentId! }));
    } finally {
      await app.close();
    }
  });

  it('follows a renamed file, and its name when the PDF names no title', async () => {
    const dir = tempDir();
    const [before, after] = [path.join(dir, 'draft 1.pdf'), path.join(dir, 'final report.pdf')];
    await writePdf(before, [['A page about the tide tables of Port Askaig.']]);
    const [first] = await ingest(core, [before]);
    const title = async () => value(await core.listDocuments({})).documents.find((d) => d.id === first!.documentId)!.title;
    expect(await title()).toBe('draft 1');
    fs.renameSync(before, after);
    expect((await ingest(core, [after]))[0]).toMatchObject({ outcome: 'unchanged', documentId: first!.documentId });
    expect(await title()).toBe('final report'); // before: 'draft 1'
    value(await core.removeDocument({ documentId: first!.documentId! }));
  });

  it('lists a failed file found again at another path under that path and its name', async () => {
    const dir = tempDir();
    const encrypted = fs.readFileSync(path.join(CORPUS, '005-libreoffice-writer-password/libreoffice-writer-password.pdf'));
    const [one, two] = [path.join(dir, 'locked one.pdf'), path.join(dir, 'locked two.pdf')];
    fs.writeFileSync(one, encrypted);
    fs.writeFileSync(two, encrypted);
    const results = await ingest(core, [one, two]);
    expect(results.map((r) => r.error?.code)).toEqual(['PDF_ENCRYPTED', 'PDF_ENCRYPTED']);
    // The same bytes are one document; it is where it was seen last, under that file's name.
    const failed = value(await core.listDocuments({})).documents.filter((d) => d.path.startsWith(dir));
    expect(failed).toMatchObject([{ status: 'failed', path: two, title: 'locked two' }]); // before: title 'locked one'
    value(await core.removeDocument({ documentId: failed[0]!.id }));
  });

  it('stops writing when another ingest has taken its file over, and leaves the document for it to finish', async () => {
    const file = path.join(tempDir(), 'asleep.pdf');
    fs.copyFileSync(GEOTOPO, file);
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const { jobId } = value(await core.ingest({ paths: [file] }));
    let documentId: number | null = null;
    const stop = core.on('ingest:progress', (e) => {
      if (e.jobId !== jobId || e.pagesDone < 8 || documentId !== null) return;
      documentId = e.documentId;
      // What a waiting ingest in another process does once this one has been silent too long.
      const other = new Database(dbPath);
      other.prepare(`UPDATE ingest_claims SET owner = 'the other ingest', pid = ? WHERE owner != 'the other ingest'`).run(process.ppid);
      other.close();
    });
    const [result] = await core.waitForIngest(jobId);
    stop();
    expect(result).toMatchObject({ outcome: 'cancelled', error: { code: 'CANCELLED' } });
    expect(result!.error!.message).toMatch(/^Another ingest of this file took it over/);
    // Before: the cancelled document was removed whole, under the ingest that took it over.
    const left = value(await core.listDocuments({})).documents.find((d) => d.id === documentId)!;
    expect(left.status).toBe('indexing');
    const claims = new Database(dbPath);
    claims.prepare(`DELETE FROM ingest_claims`).run();
    claims.close();
    expect((await ingest(core, [file]))[0]).toMatchObject({ outcome: 'resumed', documentId, pages: 117 });
    value(await core.removeDocument({ documentId: documentId! }));
  });

  it('cancels a running ingestion without leaving rows behind', async () => {
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const before = rowCounts(dbPath);
    const { jobId } = value(await core.ingest({ paths: [GEOTOPO] }));
    const stop = core.on('ingest:progress', (e) => {
      if (e.jobId === jobId && e.pagesDone >= 8) void core.cancelIngest({ jobId });
    });
    const [result] = await core.waitForIngest(jobId);
    stop();
    expect(result).toMatchObject({ outcome: 'cancelled', error: { code: 'CANCELLED' } });
    expect(rowCounts(dbPath)).toEqual(before);
  });

  it('says a document removed while it was being indexed was removed, and leaves no rows', async () => {
    const dbPath = value(await core.libraryInfo({})).dbPath;
    const before = rowCounts(dbPath);
    const { jobId } = value(await core.ingest({ paths: [GEOTOPO] }));
    const stop = core.on('ingest:progress', (e) => {
      if (e.jobId === jobId && e.pagesDone >= 8 && e.documentId !== null) void core.removeDocument({ documentId: e.documentId });
    });
    const [result] = await core.waitForIngest(jobId);
    stop();
    // Before: failed, "Indexing failed: FOREIGN KEY constraint failed" (INTERNAL).
    expect(result).toMatchObject({ outcome: 'cancelled', error: { code: 'CANCELLED', message: 'The document was removed while it was being indexed.' } });
    expect(rowCounts(dbPath)).toEqual(before);
  });

  it('rejects bad input with a clear error', async () => {
    expect(await core.ingest({ paths: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await core.search({ query: '   ' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await core.search({ query: 'x', documentIds: [424242] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.removeDocument({ documentId: -1 } as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    // A file that cannot be read says why (before: "There is no file at …" for all of them).
    const dir = tempDir();
    const loop = path.join(dir, 'loop.pdf');
    fs.symlinkSync(loop, loop);
    const [looped, missing] = await ingest(core, [loop, path.join(dir, 'missing.pdf')]);
    expect(looped!.error).toEqual({ code: 'FILE_NOT_FOUND', message: `${loop} is a symbolic link that leads back to itself.` });
    expect(missing!.error).toEqual({ code: 'FILE_NOT_FOUND', message: `There is no file at ${path.join(dir, 'missing.pdf')}.` });
  });
});

describe('a hostile or slow PDF costs one document, never the process', () => {
  it('stops a document over its time limit and goes on with the batch', async () => {
    // GeoTopo needs over 2.5 s of worker time; the small report about 0.1 s.
    const core = openCore({ ingest: { documentTimeoutMs: 1000 } });
    try {
      await ingest(core, [path.join(CORPUS, '001-trivial/minimal-document.pdf')]); // workers warm
      const files = await ingest(core, [GEOTOPO, KNOWN_FACTS_PDF]);
      expect(files[0]).toMatchObject({ outcome: 'failed', error: { code: 'PDF_TIMEOUT' } });
      expect(files[1], JSON.stringify(files[1]?.error)).toMatchObject({ outcome: 'ingested' });
      const counts = rowCounts(value(await core.libraryInfo({})).dbPath);
      expect(counts.pages).toBe(1 + 3);
    } finally {
      await core.close();
    }
  });

  it('stops a document that needs more memory than a worker may have', async () => {
    const core = openCore({ workerHeapMb: 24 });
    try {
      const files = await ingest(core, [GEOTOPO]);
      expect(files[0]).toMatchObject({ outcome: 'failed', error: { code: 'PDF_TOO_LARGE' } });
    } finally {
      await core.close();
    }
  });
});
