import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPaths } from '../../main/core/ingest/files.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-files-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the files an ingest of a folder reads', () => {
  it('finds PDFs in subfolders and through symbolic links, reads a folder reached twice once, and does not climb to / or a folder above', async () => {
    const elsewhere = path.join(root, 'elsewhere');
    const library = path.join(root, 'library');
    fs.mkdirSync(path.join(elsewhere, 'papers'), { recursive: true });
    fs.mkdirSync(path.join(library, 'sub'), { recursive: true });
    for (const file of ['elsewhere/linked.pdf', 'elsewhere/papers/paper.pdf', 'library/own.pdf', 'library/sub/SCAN.PDF', 'library/notes.txt']) {
      fs.writeFileSync(path.join(root, file), '%PDF-1.4');
    }
    fs.symlinkSync(path.join(elsewhere, 'linked.pdf'), path.join(library, 'link.pdf'));
    fs.symlinkSync(path.join(elsewhere, 'papers'), path.join(library, 'papers'));
    fs.symlinkSync(library, path.join(library, 'sub', 'loop')); // a folder that contains itself
    fs.symlinkSync(path.join(root, 'nowhere.pdf'), path.join(library, 'dangling.pdf'));
    // A Wine prefix's z: drive, and a link to the folder that holds the library: the whole disk.
    fs.symlinkSync('/', path.join(library, 'sub', 'z:'));
    fs.symlinkSync(root, path.join(library, 'up'));

    const found = await expandPaths([library]);
    // Before: only own.pdf and SCAN.PDF; the links were skipped without a word.
    expect(found.map((file) => path.relative(library, file))).toEqual(['link.pdf', 'own.pdf', 'papers/paper.pdf', 'sub/SCAN.PDF']);
  });

  it('keeps a file named directly, whatever its name, and each file once', async () => {
    const file = path.join(root, 'named.bin');
    fs.writeFileSync(file, 'x');
    expect(await expandPaths([file, file, path.join(root, 'missing.pdf')])).toEqual([file, path.join(root, 'missing.pdf')]);
  });
});
