import fs from 'node:fs/promises';
import path from 'node:path';

/** Expands folders recursively into the PDF files they hold; files named directly are kept as given. */
export async function expandPaths(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    if (!seen.has(file)) {
      seen.add(file);
      out.push(file);
    }
  };
  for (const input of inputs) {
    const resolved = path.resolve(input);
    const stat = await fs.stat(resolved).catch(() => null);
    if (stat?.isDirectory()) {
      const root = await fs.realpath(resolved).catch(() => resolved);
      (await pdfsIn(resolved, root, new Set())).sort().forEach(add);
    }
    else add(resolved);
  }
  return out;
}

/**
 * The PDFs below `folder`. Symbolic links are followed, to files and to folders (a library kept
 * as links to files elsewhere is common); a folder reached twice is read once, and a link to a
 * folder that holds the one being added (`/`, as a Wine prefix's `z:` drive, or the home folder)
 * is not followed: it would walk the whole disk.
 */
async function pdfsIn(folder: string, root: string, visited: Set<string>): Promise<string[]> {
  const real = await fs.realpath(folder).catch(() => null);
  if (real === null || visited.has(real) || (real !== root && holds(real, root))) return [];
  visited.add(real);
  const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    const target = entry.isSymbolicLink() ? await fs.stat(full).catch(() => null) : entry;
    if (target?.isDirectory()) found.push(...(await pdfsIn(full, root, visited)));
    else if (target?.isFile() && entry.name.toLowerCase().endsWith('.pdf')) found.push(full);
  }
  return found;
}

/** Whether folder `outer` holds `inner` (both real paths). */
function holds(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
