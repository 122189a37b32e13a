import type { Answer, DocumentInfo, IngestFileResult, SearchHit } from '../../preload/contract/index.js';
import { citedSources } from '../core/chat/markdown.js';
import stringWidth from 'string-width';
import { excerpt, oneLine } from '../core/text.js';

/** Plain-text renderings for a terminal; --json bypasses these. */

/** "1 page", "3 pages". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function pageList(pages: readonly number[]): string {
  return `${pages.length === 1 ? 'page' : 'pages'} ${pages.join(', ')}`;
}

/**
 * A file path on one line: a line break or tab in a file's name (which Linux allows) is shown as
 * \n, \r or \t rather than breaking a table row or a result line.
 */
function pathText(file: string): string {
  return file.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** Columns aligned as a terminal shows them: a CJK character or an emoji takes two columns. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => stringWidth(row[col]!))));
  return rows.map((row) => row.map((cell, col) => cell + ' '.repeat(widths[col]! - stringWidth(cell))).join('  ').trimEnd()).join('\n');
}

export function documentsTable(documents: readonly DocumentInfo[]): string {
  if (documents.length === 0) return 'The library is empty. Add PDFs with: docent ingest <files or folders...>';
  const rows = [['ID', 'TITLE', 'PAGES', 'CHUNKS', 'STATUS', 'PATH']];
  for (const doc of documents) {
    rows.push([
      String(doc.id),
      excerpt(doc.title, 40),
      doc.pages === null ? '-' : doc.status === 'indexing' ? `${doc.pagesIndexed}/${doc.pages}` : String(doc.pages),
      String(doc.chunks),
      doc.status,
      pathText(doc.path),
    ]);
  }
  const notes = documents.flatMap((doc) => {
    const lines: string[] = [];
    if (doc.error) lines.push(`  ${doc.id}: ${doc.error.code}: ${doc.error.message}`);
    if (doc.imageOnlyPages.length > 0) lines.push(`  ${doc.id}: no text layer on ${pageList(doc.imageOnlyPages)}`);
    return lines;
  });
  return table(rows) + (notes.length ? `\n\n${notes.join('\n')}` : '');
}

export function fileOutcome(file: IngestFileResult): string {
  const name = pathText(file.path);
  switch (file.outcome) {
    case 'ingested':
    case 'resumed': {
      const scans = file.imageOnlyPages.length ? `; no text layer on ${pageList(file.imageOnlyPages)}` : '';
      return `✔ ${name}: ${counted(file.pages ?? 0, 'page')}, ${counted(file.chunks, 'chunk')}${file.outcome === 'resumed' ? ' (resumed)' : ''}${scans}`;
    }
    case 'unchanged':
      return `= ${name}: already in the library (document ${file.documentId})`;
    case 'cancelled':
      return `- ${name}: cancelled`;
    case 'failed':
      return `✘ ${name}: ${file.error?.message ?? 'failed'} [${file.error?.code ?? 'INTERNAL'}]`;
  }
}

export function hitsText(hits: readonly SearchHit[]): string {
  if (hits.length === 0) return 'No matching passages.';
  return hits
    .map((hit, i) => {
      return `[${i + 1}] ${oneLine(hit.title)}, p. ${hit.page}  (document ${hit.documentId}, score ${hit.score.toFixed(4)})\n    ${excerpt(hit.text, 300)}`;
    })
    .join('\n\n');
}

/** The sources under an answer: each cited source once, `[n] title, p. N`; or the closest passages. */
export function answerSources(answer: Answer): string {
  if (!answer.covered) {
    if (answer.sources.length === 0) return 'The library has no passages close to this question.';
    return `Closest passages:\n${answer.sources.map((s) => `  ${s.title}, p. ${s.page}: ${excerpt(s.text, 160)}`).join('\n')}`;
  }
  const lines = citedSources(answer.citations).map((c) => `[${c.n}] ${c.title}, p. ${c.page}${c.verified ? '' : '  (not verified)'}`);
  if (lines.length === 0) return `No sources cited${answer.stopped ? ' (stopped)' : ': this answer is not grounded in your documents'}.`;
  const status = answer.stopped ? ' (stopped)' : answer.grounded ? '' : ' (not grounded: some statements are not backed by a verified source)';
  return `Sources${status}:\n${lines.join('\n')}`;
}
