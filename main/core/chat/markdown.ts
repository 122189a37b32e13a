import type { ConversationSummary, Message } from '../../../preload/contract/index.js';

/**
 * A conversation as Markdown: each question and answer (marked when it was stopped), then the
 * sources each answer cited (an answer that cites none: the sources it was given; one the library
 * does not cover: the closest passages).
 */
export function conversationMarkdown(conversation: ConversationSummary, messages: readonly Message[]): string {
  const lines = [`# ${conversation.title}`, '', `_Exported from Docent on ${new Date().toISOString().slice(0, 10)}._`, ''];
  for (const message of messages) {
    if (message.role === 'user') {
      lines.push(`**You:** ${message.content}`, '');
      continue;
    }
    lines.push(`**Docent:** ${message.content}`, '');
    // A reader of the file must not take an answer cut short for a whole one.
    if (message.stopped) lines.push('_Stopped before it was finished._', '');
    if (message.covered === false) lines.push('_The documents do not cover this question._', '');
    const cited = new Map(message.citations.map((c) => [c.n, c]));
    const listed = cited.size > 0 ? [...cited.values()] : message.sources;
    if (listed.length > 0) {
      lines.push(cited.size > 0 ? 'Sources:' : message.covered === false ? 'Closest passages:' : 'Sources it was given (it cites none):', '');
      for (const source of listed.sort((a, b) => a.n - b.n)) {
        const check = 'verified' in source ? (source.verified ? '' : ' (unverified)') : '';
        const excerpt = source.text.replace(/\s+/g, ' ').trim();
        lines.push(`${source.n}. ${source.title}, p. ${source.page}${check}: "${excerpt.length > 240 ? `${excerpt.slice(0, 239)}…` : excerpt}"`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
