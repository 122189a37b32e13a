import { describe, expect, it } from 'vitest';
import type { Source } from '../../preload/contract/index.js';
import { resolveCitations } from '../../main/core/chat/answerer.js';
import { isCovered } from '../../main/core/chat/coverage.js';
import { citationGrammar, findMarkers, finishedText, settledStream } from '../../main/core/chat/grammar.js';
import { conversationMarkdown } from '../../main/core/chat/markdown.js';
import { buildPrompt, edgesFirst } from '../../main/core/chat/prompt.js';
import { tokenBound } from '../../main/core/llm/tokens.js';
import { sentenceAt, support } from '../../main/core/chat/verify.js';

const source = (n: number, text: string, page = n): Source => ({
  n, chunkId: 100 + n, documentId: 7, title: 'Field Notes', page, text, charStart: 1000, charEnd: 1000 + text.length, boxes: [], score: 1 / n,
});

describe('citation grammar', () => {
  it('admits exactly the markers of the sources in the prompt', () => {
    expect(citationGrammar(3)).toContain('citation ::= "[" ("1" | "2" | "3") "]"');
    expect(citationGrammar(1)).not.toContain('"2"');
    expect(() => citationGrammar(0)).toThrow();
  });
  it('finds markers with their offsets', () => {
    expect(findMarkers('A [1] and b [12].')).toEqual([{ n: 1, index: 2 }, { n: 12, index: 12 }]);
  });
});

describe('citation verification', () => {
  const sources = [
    source(1, 'The bridge was completed in 1932. It spans the harbour with a steel arch of 503 metres.'),
    source(2, 'Penguins breed on the southern islands during winter.'),
  ];

  it('verifies a citation whose passage supports the sentence, and locates the supporting sentence', () => {
    const [citation] = resolveCitations('The steel arch of the bridge spans 503 metres [1].', sources);
    expect(citation).toMatchObject({ n: 1, verified: true, chunkId: 101, page: 1 });
    expect(citation!.text).toBe('It spans the harbour with a steel arch of 503 metres.');
    expect(citation!.charStart).toBe(1000 + sources[0]!.text.indexOf('It spans'));
    expect(citation!.charEnd - citation!.charStart).toBe(citation!.text.length);
  });

  it('marks a citation unverified when the passage does not support the sentence', () => {
    const [citation] = resolveCitations('The bridge opened in 1932 [2].', sources);
    expect(citation).toMatchObject({ n: 2, verified: false });
  });

  it('marks a citation unverified when its sentence states another number, or negates its passage', () => {
    const accord = [source(1, 'The accord was signed by eleven delegations in Zanzibar in 1897. It had 1,200 pages.')];
    const verdict = (answer: string) => resolveCitations(answer, accord)[0]!.verified;
    expect(verdict('The accord was signed by eleven delegations in 1897 [1].')).toBe(true);
    expect(verdict('It had 1200 pages [1].')).toBe(true);
    expect(verdict('The accord was signed by twelve delegations in 1897 [1].')).toBe(false);
    expect(verdict('The accord was signed by eleven delegations in 1898 [1].')).toBe(false);
    expect(verdict('The accord was not signed by the delegations [1].')).toBe(false);
    expect(verdict("The delegations didn't sign the accord in Zanzibar [1].")).toBe(false);
    const refused = [source(1, 'The accord was never signed in Zanzibar.')];
    expect(resolveCitations('The accord was signed in Zanzibar [1].', refused)[0]!.verified).toBe(false);
    expect(resolveCitations('The accord was never signed in Zanzibar [1].', refused)[0]!.verified).toBe(true);
    // PDFs write the typographic apostrophe.
    const curly = [source(1, 'The accord wasn’t signed in Zanzibar.')];
    expect(resolveCitations("The accord wasn't signed in Zanzibar [1].", curly)[0]!.verified).toBe(true);
    expect(resolveCitations('The accord was signed in Zanzibar [1].', curly)[0]!.verified).toBe(false);
  });

  it('takes the numbers of a sentence citing several sources from any of them, in digits or words', () => {
    const two = [source(1, 'The accord was signed in Zanzibar in 1897.'), source(2, 'Twelve delegations signed the accord.')];
    const cited = resolveCitations('The accord was signed in Zanzibar in 1897 [1] by 12 delegations [2].', two);
    expect(cited.map((c) => [c.n, c.verified])).toEqual([[1, true], [2, true]]);
    // A number neither passage holds still fails both.
    expect(resolveCitations('The accord was signed in Zanzibar in 1898 [1] by 12 delegations [2].', two).map((c) => c.verified)).toEqual([false, false]);
  });

  it('ties each marker to its own sentence', () => {
    expect(sentenceAt('First claim [1]. Second claim [2].', 28)).toBe('Second claim [2].');
    // Markers written after the full stop cite the sentence before them.
    const after = 'First claim. [1][3] Second claim. [2]';
    expect(sentenceAt(after, after.indexOf('[1]'))).toBe('First claim. ');
    expect(sentenceAt(after, after.indexOf('[3]'))).toBe('First claim. ');
    expect(sentenceAt(after, after.indexOf('[2]'))).toBe('[1][3] Second claim. '); // its markers are dropped from the claim
    expect(sentenceAt('[1] Only a marker first.', 0)).toBe('[1] Only a marker first.');
    const cited = resolveCitations('The steel arch of the bridge spans 503 metres. [1] Emperor penguins breed in winter. [2]', sources);
    expect(cited.map((c) => [c.n, c.verified])).toEqual([[1, true], [2, true]]);
    expect(support('penguins breed in winter', sources[1]!.text)).toBe(1);
  });
});

describe('coverage', () => {
  const hit = (text: string, vectorScore: number | null) => ({
    chunkId: 1, documentId: 1, title: 't', page: 1, text, charStart: 0, charEnd: text.length, boxes: [], score: 1, vectorScore, keywordScore: null,
  });
  it('counts a question covered by its content words or by a close vector', () => {
    const settings = { minKeywordCoverage: 0.5, minVectorSimilarity: 0.8 };
    expect(support('When was the bridge completed?', 'The bridge was completed in 1932.')).toBe(1);
    expect(isCovered('When was the bridge completed?', [hit('The bridge was completed in 1932.', 0.3)], settings)).toBe(true);
    expect(isCovered('Recipe for banana bread?', [hit('The bridge was completed in 1932.', 0.61)], settings)).toBe(false);
    expect(isCovered('Recipe for banana bread?', [hit('unrelated words', 0.85)], settings)).toBe(true);
  });
});

describe('prompt assembly', () => {
  const count = (s: string) => s.split(/\s+/).filter(Boolean).length;
  const ranked = Array.from({ length: 6 }, (_, i) => source(i + 1, `passage ${i + 1} ${'word '.repeat(40)}`));

  it('keeps the strongest passages at the edges', () => {
    expect(edgesFirst([1, 2, 3, 4, 5, 6])).toEqual([1, 3, 5, 6, 4, 2]);
  });

  it('fits sources then recent history into the budget, numbering sources by rank', () => {
    const history = [
      { role: 'user' as const, text: 'old question '.repeat(30) },
      { role: 'assistant' as const, text: 'old answer' },
    ];
    const roomy = buildPrompt('What now?', ranked, history, { contextTokens: 2000, answerTokens: 200, countTokens: count });
    expect(roomy.sources.map((s) => s.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(roomy.history).toHaveLength(2);
    expect(roomy.system.indexOf('[1]')).toBeLessThan(roomy.system.indexOf('[3]'));
    expect(roomy.system.indexOf('[2]')).toBeGreaterThan(roomy.system.indexOf('[6]'));

    const tight = buildPrompt('What now?', ranked, history, { contextTokens: 400, answerTokens: 200, countTokens: count });
    expect(tight.sources.length).toBeLessThan(6);
    expect(tight.sources.map((s) => s.n)).toEqual(tight.sources.map((_, i) => i + 1));
    expect(tight.promptTokens).toBeLessThanOrEqual(200);

    // Room for the old answer but not its question: the answer goes too, so that the kept
    // conversation never opens with the model speaking.
    const sourcesOnly = buildPrompt('What now?', ranked.slice(0, 1), [], { contextTokens: 10_000, answerTokens: 0, countTokens: count }).promptTokens;
    const answerOnly = buildPrompt('What now?', ranked.slice(0, 1), history, { contextTokens: sourcesOnly + 20, answerTokens: 0, countTokens: count });
    expect(answerOnly.history).toEqual([]);
    expect(answerOnly.promptTokens).toBe(sourcesOnly);
  });

  it('tokenizes nothing before generation when every piece fits even at one token per byte', () => {
    let calls = 0;
    const counting = (s: string) => (calls++, count(s));
    const history = [{ role: 'user' as const, text: 'old question' }];
    const roomy = buildPrompt('What now?', ranked, history, { contextTokens: 8000, answerTokens: 200, countTokens: counting });
    expect(calls).toBe(0);
    expect(roomy.sources.map((s) => s.n)).toEqual([1, 2, 3, 4, 5, 6]);
    // The same prompt as when every piece is counted, and the same token count once read.
    const bytes = ranked.reduce((sum, s) => sum + tokenBound(s.text), 0);
    const counted = buildPrompt('What now?', ranked, history, { contextTokens: bytes, answerTokens: 0, countTokens: count });
    expect(counted.sources).toHaveLength(6);
    expect(roomy.system).toBe(counted.system);
    expect(roomy.promptTokens).toBe(counted.promptTokens);
    expect(calls).toBeGreaterThan(0);
  });

  it('counts only the largest pieces exactly when the byte bound is a little over the budget', () => {
    let calls = 0;
    const counting = (s: string) => (calls++, count(s));
    const history = [{ role: 'user' as const, text: 'old question' }];
    const everything = buildPrompt('What now?', ranked, history, { contextTokens: 100_000, answerTokens: 0, countTokens: count });
    const byBound = ['What now?', 'old question'].reduce((sum, t) => sum + tokenBound(t), 0) + everything.sources.reduce((sum, s) => sum + tokenBound(s.text), 0);
    const prompt = buildPrompt('What now?', ranked, history, { contextTokens: byBound, answerTokens: 0, countTokens: counting });
    expect(prompt.sources).toHaveLength(6);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(9); // 9 pieces: instructions, question, 6 sources, 1 turn
  });
});

describe('streaming an answer', () => {
  it('holds back a marker until it is finished, and streams exactly the text that is saved', () => {
    const streamed: string[] = [];
    const push = settledStream((text) => streamed.push(text));
    for (const chunk of ['It is', ' long [', '1', '] and', ' wide ', '[', '2']) push(chunk);
    expect(streamed).toEqual(['It is', ' long ', '[1] and', ' wide ']);
    expect(finishedText('It is long [1] and wide [2')).toBe('It is long [1] and wide ');

    // Whatever the chunks, the streamed text is what is saved.
    const texts = ['Plain text.', 'Ends open [', 'Ends open [12', 'Ends [1] done [2]', 'Space after [3] ', 'a [1]b [', '  ', '[', '[1', ''];
    for (const text of texts) {
      for (let size = 1; size <= 4; size++) {
        let out = '';
        const stream = settledStream((t) => (out += t));
        for (let i = 0; i < text.length; i += size) stream(text.slice(i, i + size));
        expect(out, `${JSON.stringify(text)} in chunks of ${size}`).toBe(finishedText(text));
      }
    }
  });
});

describe('Markdown export', () => {
  it('writes questions, answers and the sources each answer cited', () => {
    const citation = { ...source(1, 'It spans the harbour.'), verified: false };
    const markdown = conversationMarkdown({ id: 1, title: 'Bridges', messages: 2, createdAt: '', updatedAt: '' }, [
      { id: 1, role: 'user', content: 'How long is it?', citations: [], sources: [], covered: null, grounded: null, stopped: null, timings: null, createdAt: '' },
      { id: 2, role: 'assistant', content: 'It is long [1].', citations: [citation], sources: [source(1, 'x')], covered: true, grounded: false, stopped: false, timings: null, createdAt: '' },
    ]);
    expect(markdown).toContain('# Bridges');
    expect(markdown).toContain('**You:** How long is it?');
    expect(markdown).toContain('**Docent:** It is long [1].');
    expect(markdown).toContain('- \\[1] Field Notes, p. 1 (unverified): "It spans the harbour."');
    expect(markdown).not.toContain('Stopped');
  });

  it('keeps source numbers as cited, escapes plain text, and closes a fence an answer left open', () => {
    const cite = (n: number, text: string, verified: boolean) => ({ ...source(n, text), verified });
    const markdown = conversationMarkdown({ id: 1, title: 'Bridges\n# and *more*', messages: 2, createdAt: '', updatedAt: '' }, [
      { id: 1, role: 'user', content: 'Which?\n```\nstill *my* question', citations: [], sources: [], covered: null, grounded: null, stopped: null, timings: null, createdAt: '' },
      {
        id: 2, role: 'assistant', content: 'It is **long** [2] and [5] [2].\n```js\nopen', covered: true, grounded: false, stopped: true, timings: null, createdAt: '', sources: [],
        citations: [cite(2, 'It spans *the* harbour.', true), cite(5, 'x', true), cite(2, 'It spans *the* harbour.', false)],
      },
    ]);
    // The title stays one heading; the question's fence and asterisks stay text; its lines stay lines.
    expect(markdown).toMatch(/^# Bridges # and \\\*more\\\*\n/);
    expect(markdown).toContain('**You:** Which?\\\n\\`\\`\\`\\\nstill \\*my\\* question\n');
    // The answer is Markdown, as the app shows it; its open fence is closed before what follows.
    expect(markdown).toContain('**Docent:** It is **long** [2] and [5] [2].\n```js\nopen\n```\n\n_Stopped');
    // Numbered as the answer cites them (a numbered list would renumber 2, 5 as 2, 3); one
    // unverified citation of a source marks it.
    expect(markdown).toContain('Sources:\n\n- \\[2] Field Notes, p. 2 (unverified): "It spans \\*the\\* harbour."\n- \\[5] Field Notes, p. 5: "x"\n');
  });

  it('keeps the Markdown an answer opens with, and closes only a fence left open', () => {
    const exported = (content: string) =>
      conversationMarkdown({ id: 1, title: 'T', messages: 1, createdAt: '', updatedAt: '' }, [
        { id: 1, role: 'assistant', content, citations: [], sources: [], covered: true, grounded: false, stopped: false, timings: null, createdAt: '' },
      ]);
    expect(exported('```\ncode [1]\n```')).toContain('**Docent:**\n\n```\ncode [1]\n```\n');
    expect(exported('# Heading\n\n- item')).toContain('**Docent:**\n\n# Heading\n\n- item\n');
    expect(exported('````\n```\ninner\n````')).toMatch(/\*\*Docent:\*\*\n\n````\n```\ninner\n````\n$/);
    expect(exported('Text\n\n````md\n```\nstill open')).toMatch(/\*\*Docent:\*\* Text\n\n````md\n```\nstill open\n````\n$/);
  });

  it('marks an answer that was stopped before it was finished', () => {
    const markdown = conversationMarkdown({ id: 1, title: 'Bridges', messages: 2, createdAt: '', updatedAt: '' }, [
      { id: 1, role: 'user', content: 'How long is it?', citations: [], sources: [], covered: null, grounded: null, stopped: null, timings: null, createdAt: '' },
      { id: 2, role: 'assistant', content: 'It is', citations: [], sources: [source(1, 'x')], covered: true, grounded: false, stopped: true, timings: null, createdAt: '' },
    ]);
    expect(markdown).toContain('**Docent:** It is\n\n_Stopped before it was finished._\n\nSources it was given');
  });

  it('leaves out control characters a model wrote, which a terminal showing the file would obey', () => {
    const markdown = conversationMarkdown({ id: 1, title: 'T\u001b]0;pwned\u0007', messages: 2, createdAt: '', updatedAt: '' }, [
      { id: 1, role: 'user', content: 'Colours?\n\u0007# not a heading', citations: [], sources: [], covered: null, grounded: null, stopped: null, timings: null, createdAt: '' },
      { id: 2, role: 'assistant', content: 'Red\u001b[31m text\r\nover\rwritten\tand tabbed', citations: [], sources: [], covered: true, grounded: false, stopped: false, timings: null, createdAt: '' },
    ]);
    // eslint-disable-next-line no-control-regex
    expect(markdown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(markdown).toContain('# T]0;pwned\n');
    // Left out before the text is escaped: a line it began stays text, not a heading.
    expect(markdown).toContain('**You:** Colours?\\\n\\# not a heading\n');
    expect(markdown).toContain('**Docent:** Red[31m text\noverwritten\tand tabbed\n');
  });

  it('says which questions have no answer: one its process ended before saving, and one still being written', () => {
    const question = (id: number, content: string) => ({ id, role: 'user' as const, content, citations: [], sources: [], covered: null, grounded: null, stopped: null, timings: null, createdAt: '' });
    const answer = { id: 3, role: 'assistant' as const, content: 'Long.', citations: [], sources: [], covered: true, grounded: false, stopped: false, timings: null, createdAt: '' };
    const conversation = { id: 1, title: 'Bridges', messages: 4, createdAt: '', updatedAt: '' };
    const messages = [question(1, 'Killed while answered?'), question(2, 'How long is it?'), answer, question(4, 'And how high?')];
    const ended = '_Not answered: Docent ended before it saved this answer (it was closed, or it crashed)._';
    const writing = '_Its answer was still being written when this was exported._';
    const idle = conversationMarkdown(conversation, messages);
    expect(idle).toContain(`**You:** Killed while answered?\n\n${ended}\n\n**You:** How long is it?\n\n**Docent:** Long.`);
    expect(idle).toMatch(new RegExp(`And how high\\?\n\n${ended.replace(/[().]/g, '\\$&')}\n$`));
    const answering = conversationMarkdown(conversation, messages, { answering: true });
    expect(answering).toContain(`**You:** Killed while answered?\n\n${ended}`);
    expect(answering).toMatch(/And how high\?\n\n_Its answer was still being written when this was exported\._\n$/);
    expect(answering.split(writing)).toHaveLength(2);
  });

  it('labels what an answer without citations was given apart from the closest passages of one not covered', () => {
    const answer = (covered: boolean) => ({ id: 2, role: 'assistant' as const, content: 'Hm.', citations: [], sources: [source(1, 'It spans the harbour.')], covered, grounded: false, stopped: false, timings: null, createdAt: '' });
    const conversation = { id: 1, title: 'Bridges', messages: 2, createdAt: '', updatedAt: '' };
    const uncited = conversationMarkdown(conversation, [answer(true)]);
    expect(uncited).toContain('Sources it was given (it cites none):\n\n- \\[1] Field Notes, p. 1: "It spans the harbour."');
    expect(uncited).not.toContain('Closest passages');
    const notCovered = conversationMarkdown(conversation, [answer(false)]);
    expect(notCovered).toContain('_The documents do not cover this question._\n\nClosest passages:\n\n- \\[1] Field Notes');
  });
});
