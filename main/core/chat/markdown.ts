import type { BlockContent, PhrasingContent, Root, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { toMarkdown } from 'mdast-util-to-markdown';
import type { Citation, ConversationSummary, Message, Source } from '../../../preload/contract/index.js';
import { excerpt, oneLine, withoutControlCharacters } from '../text.js';

const EXCERPT_CHARS = 240;
const NOT_ANSWERED = 'Not answered: Docent ended before it saved this answer (it was closed, or it crashed).';
const ANSWER_BEING_WRITTEN = 'Its answer was still being written when this was exported.';

/**
 * A conversation as Markdown: each question and answer (marked when it was stopped, or missing), then the
 * sources each answer cited (an answer that cites none: the sources it was given; one the library
 * does not cover: the closest passages).
 *
 * Titles, questions and excerpts are plain text, written by mdast-util-to-markdown, which escapes
 * whatever Markdown would read as syntax (an asterisk in a PDF, a fence in a question). Answers
 * are Markdown already, as the app shows them, and are kept as written.
 */
export function conversationMarkdown(conversation: ConversationSummary, messages: readonly Message[], state = { answering: false }): string {
  const blocks = [
    plain([{ type: 'heading', depth: 1, children: [text(oneLine(conversation.title))] }]),
    plain([paragraph([{ type: 'emphasis', children: [text(`Exported from Docent on ${new Date().toISOString().slice(0, 10)}.`)] }])]),
  ];
  for (const [i, message] of messages.entries()) {
    if (message.role === 'user') {
      blocks.push(plain([paragraph([{ type: 'strong', children: [text('You:')] }, text(' '), ...lines(message.content)])]));
      // A question without its answer: one still being written, or one its process never saved.
      if (messages[i + 1]?.role !== 'assistant') {
        const last = i === messages.length - 1;
        blocks.push(plain([paragraph([{ type: 'emphasis', children: [text(last && state.answering ? ANSWER_BEING_WRITTEN : NOT_ANSWERED)] }])]));
      }
      continue;
    }
    blocks.push(answerBlock(message.content));
    const notes: string[] = [];
    // A reader of the file must not take an answer cut short for a whole one.
    if (message.stopped) notes.push('Stopped before it was finished.');
    if (message.covered === false) notes.push('The documents do not cover this question.');
    blocks.push(...notes.map((note) => plain([paragraph([{ type: 'emphasis', children: [text(note)] }])])));
    const cited = citedSources(message.citations);
    const listed = cited.length > 0 ? cited : message.sources.map((source) => ({ ...source, verified: null }));
    if (listed.length === 0) continue;
    const heading = cited.length > 0 ? 'Sources:' : message.covered === false ? 'Closest passages:' : 'Sources it was given (it cites none):';
    blocks.push(
      plain([
        paragraph([text(heading)]),
        {
          type: 'list',
          ordered: false,
          spread: false,
          children: listed.map((source) => ({ type: 'listItem', spread: false, children: [paragraph([text(sourceLine(source))])] })),
        },
      ]),
    );
  }
  return `${blocks.map((block) => block.trimEnd()).join('\n\n')}\n`;
}

/** One per source number, in order: its first citation, unverified if any citation of it is. */
export function citedSources(citations: readonly Citation[]): Citation[] {
  const byNumber = new Map<number, Citation>();
  for (const citation of citations) {
    const seen = byNumber.get(citation.n);
    if (seen) seen.verified &&= citation.verified;
    else byNumber.set(citation.n, { ...citation });
  }
  return [...byNumber.values()].sort((a, b) => a.n - b.n);
}

/** `[2] Title, p. 4 (unverified): "excerpt…"`, numbered as in the answer. */
function sourceLine(source: Pick<Source, 'n' | 'title' | 'page' | 'text'> & { verified: boolean | null }): string {
  const check = source.verified === false ? ' (unverified)' : '';
  return `[${source.n}] ${oneLine(source.title)}, p. ${source.page}${check}: "${excerpt(source.text, EXCERPT_CHARS)}"`;
}

function plain(children: RootContent[]): string {
  const root: Root = { type: 'root', children };
  return toMarkdown(root, { bullet: '-', emphasis: '_' });
}

function paragraph(children: PhrasingContent[]): BlockContent {
  return { type: 'paragraph', children };
}

/**
 * Plain text, escaped where Markdown would read syntax. Control characters go first, before the
 * escaping is decided (a file for people, shown in a terminal too, with cat or less -R, must carry
 * no escape sequences from a model's or a PDF's text).
 */
function text(value: string): PhrasingContent {
  return { type: 'text', value: withoutControlCharacters(value) };
}

/** A text's lines, kept as lines. */
function lines(value: string): PhrasingContent[] {
  return value.split(/\r?\n/).flatMap((line, i): PhrasingContent[] => (i === 0 ? [text(line)] : [{ type: 'break' }, text(line)]));
}

/**
 * `**Docent:**` and the answer, which is Markdown (mdast-util-from-markdown reads it): on the
 * same line when the answer opens with a paragraph, else on a line of its own, so that an answer
 * opening with a heading, a list or a code fence keeps it. A code fence the answer left open (a
 * stopped answer, say) is closed, so that it cannot swallow the rest of the file.
 */
function answerBlock(written: string): string {
  const answer = withoutControlCharacters(written);
  const tree = fromMarkdown(answer);
  const last = tree.children.at(-1);
  let closed = answer;
  if (last?.type === 'code' && last.position?.end.offset === answer.length) {
    const raw = answer.slice(last.position.start.offset, answer.length).split('\n');
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(raw[0]!)?.[1];
    const closes = (line: string) => fence !== undefined && new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(line);
    if (fence && (raw.length === 1 || !closes(raw.at(-1)!))) closed = `${answer}\n${fence}`;
  }
  return tree.children[0]?.type === 'paragraph' ? `**Docent:** ${closed}` : `**Docent:**\n\n${closed}`;
}
