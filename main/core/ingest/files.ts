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
      const entries = await fs.readdir(resolved, { recursive: true, withFileTypes: true });
      entries
        .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.pdf'))
        .map((entry) => path.join(entry.parentPath, entry.name))
        .sort()
        .forEach(add);
    } else {
      add(resolved);
    }
  }
  return out;
}
