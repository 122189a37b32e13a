import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../main/cli/common.js';
import stringWidth from 'string-width';
import { answerSources, documentsTable, fileOutcome } from '../../main/cli/output.js';
import type { Answer, DocumentInfo, IngestFileResult } from '../../preload/contract/index.js';

describe('text written to a terminal', () => {
  it('drops control characters a model or a PDF could use to steer the terminal, keeping lines and tabs', () => {
    expect(terminalSafe('red \u001b[31mtext\u001b[0m, title \u001b]0;pwned\u0007')).toBe('red [31mtext[0m, title ]0;pwned');
    expect(terminalSafe('safe line\rfake line')).toBe('safe linefake line');
    expect(terminalSafe('a\r\nb\n\tc \u009b2J \u0000')).toBe('a\nb\n\tc 2J ');
    expect(terminalSafe('Ünïcode — “quotes” 日本語 [1]')).toBe('Ünïcode — “quotes” 日本語 [1]');
  });

  it('counts pages and chunks in words that agree with the number', () => {
    const file: IngestFileResult = { path: '/a.pdf', documentId: 1, outcome: 'ingested', pages: 0, chunks: 0, imageOnlyPages: [], error: null };
    expect(fileOutcome({ ...file, pages: 1, chunks: 1 })).toBe('✔ /a.pdf: 1 page, 1 chunk');
    expect(fileOutcome({ ...file, pages: 3, chunks: 12 })).toBe('✔ /a.pdf: 3 pages, 12 chunks');
    expect(fileOutcome({ ...file, pages: 2, chunks: 2, imageOnlyPages: [2] })).toBe('✔ /a.pdf: 2 pages, 2 chunks; no text layer on page 2');
  });

  it('keeps each document on one line, its columns aligned as the terminal shows them', () => {
    const doc = { id: 1, title: 'Known Facts Report', pages: 3, pagesIndexed: 3, chunks: 12, status: 'ready', path: '/docs/a.pdf', imageOnlyPages: [], error: null } as unknown as DocumentInfo;
    const lines = documentsTable([doc, { ...doc, id: 2, title: '日本語の論文の題名', path: '/docs/two\nlines.pdf' }, { ...doc, id: 3, title: 'Notes 🎼', path: '/docs/tab\there.pdf' }]).split('\n');
    // A header and three rows: the line break in a name is shown as \n, not made.
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('/docs/two\\nlines.pdf');
    expect(lines[3]).toContain('/docs/tab\\there.pdf');
    expect(fileOutcome({ path: '/docs/two\nlines.pdf', documentId: 2, outcome: 'unchanged', pages: 3, chunks: 12, imageOnlyPages: [], error: null })).toBe('= /docs/two\\nlines.pdf: already in the library (document 2)');
    // The PATH column starts at the same terminal column on every line (a wide title takes 2 per character).
    const pathColumn = (line: string) => stringWidth(line.slice(0, line.indexOf('/') === -1 ? line.indexOf('PATH') : line.indexOf('/')));
    expect(new Set(lines.map(pathColumn)).size).toBe(1);
  });

  it('says why an answer is not grounded: no source cited, or a citation not verified', () => {
    const timings = { retrievalMs: 1, promptTokens: 1, timeToFirstTokenMs: 1, tokensPerSecond: 1, generatedTokens: 1, totalMs: 1 };
    const answer: Answer = { answerId: 'a', conversationId: 1, messageId: 2, answer: 'x', citations: [], sources: [], covered: true, grounded: false, stopped: false, searchQuery: 'q', timings };
    expect(answerSources(answer)).toBe('No sources cited: this answer is not grounded in your documents.');
    expect(answerSources({ ...answer, stopped: true })).toBe('No sources cited (stopped).');
    const citation = { n: 2, chunkId: 1, documentId: 1, title: 'Notes', page: 3, charStart: 0, charEnd: 1, text: 'x', verified: false };
    expect(answerSources({ ...answer, citations: [citation] })).toBe('Sources (not grounded: some statements are not backed by a verified source):\n[2] Notes, p. 3  (not verified)');
    expect(answerSources({ ...answer, grounded: true, citations: [{ ...citation, verified: true }] })).toBe('Sources:\n[2] Notes, p. 3');
  });
});
