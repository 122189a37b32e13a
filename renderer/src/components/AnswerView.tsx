import { memo, useMemo, type ReactNode } from 'react';
import Markdown, { type Components } from 'react-markdown';
import type { Citation, Source } from '../../../preload/contract/index.js';
import type { AssistantTurn } from '../state/useChat.js';
import { ms } from '../format.js';
import { remarkCitations } from '../markdown/citations.js';
import { Icon } from './Icon.js';
import type { ViewerTarget } from './Viewer.js';

export type OpenSource = (target: Omit<ViewerTarget, 'nonce'>) => void;

const remarkPlugins = [remarkCitations];

export function citationLabel(n: number, title: string, page: number, verified: boolean | null): string {
  return `Source ${n}: ${title}, page ${page}${verified === false ? ' (not verified)' : ''}`;
}

function targetFor(citation: Citation, source: Source | undefined): Omit<ViewerTarget, 'nonce'> {
  return {
    documentId: citation.documentId,
    title: citation.title,
    page: citation.page,
    // The source's boxes cover the cited chunk; they are on the citation's page by construction.
    boxes: source && source.page === citation.page && source.documentId === citation.documentId ? source.boxes : [],
    quote: citation.text,
    label: citationLabel(citation.n, citation.title, citation.page, citation.verified),
    verified: citation.verified,
  };
}

function sourceTarget(source: Source, label: string): Omit<ViewerTarget, 'nonce'> {
  return { documentId: source.documentId, title: source.title, page: source.page, boxes: source.boxes, quote: source.text, label, verified: null };
}

/** One citation marker: a button that opens the cited page, or a placeholder while streaming. */
function CitationChip({ n, occurrence, turn, onOpen }: { n: number; occurrence: number; turn: AssistantTurn; onOpen: OpenSource }) {
  const matching = turn.citations.filter((c) => c.n === n);
  const citation = matching[occurrence] ?? matching[0];
  const source = turn.sources[n - 1];
  if (!citation) {
    return (
      <span className="cite pending" aria-label={`Source ${n}`}>
        {n}
      </span>
    );
  }
  const label = citationLabel(n, citation.title, citation.page, citation.verified);
  const where = `${citation.title}, page ${citation.page}`;
  const title = citation.verified ? where : `${where}. Not verified: this passage may not support the sentence that cites it.`;
  return (
    <button
      type="button"
      className={`cite${citation.verified ? '' : ' unverified'}`}
      aria-label={label}
      title={title}
      onClick={() => onOpen(targetFor(citation, source))}
    >
      {n}
      {!citation.verified && <span aria-hidden="true">?</span>}
    </button>
  );
}

const AnswerMarkdown = memo(function AnswerMarkdown({ turn, onOpen }: { turn: AssistantTurn; onOpen: OpenSource }) {
  const components = useMemo<Components>(
    () => ({
      cite: (props) => {
        const data = props as Record<string, unknown>;
        return <CitationChip n={Number(data['data-n'])} occurrence={Number(data['data-occurrence'])} turn={turn} onOpen={onOpen} />;
      },
      a: ({ href, children }) => (
        // Answers come from a model: show where a link points, never navigate the window.
        <span className="md-link" title={href}>
          {children}
        </span>
      ),
      img: ({ alt }) => <span className="md-link">{alt ? `[image: ${alt}]` : '[image]'}</span>,
    }),
    [turn, onOpen],
  );
  return (
    <Markdown remarkPlugins={remarkPlugins} components={components}>
      {turn.content}
    </Markdown>
  );
});

function Status({ turn }: { turn: AssistantTurn }) {
  let icon: 'check' | 'alert' | 'search' | 'stop' = 'check';
  let text: ReactNode;
  if (turn.error) return null;
  if (turn.streaming) return null;
  // Stopped before its first word: said so, not "not backed by a source"; otherwise a tag.
  const stoppedEarly = turn.stopped && (turn.covered === null || !turn.content);
  if (stoppedEarly) {
    icon = 'stop';
    text = turn.content ? 'Stopped' : 'Stopped before the answer began';
  } else if (turn.covered === false) {
    icon = 'search';
    text = 'Not covered by your documents';
  } else if (turn.grounded) text = 'Grounded in your documents';
  else if (turn.citations.length === 0) {
    icon = 'alert';
    text = 'No citations: this answer is not backed by a source';
  } else {
    icon = 'alert';
    text = turn.citations.some((c) => c.verified) ? 'Some citations could not be verified' : 'Its citations could not be verified';
  }
  return (
    <p className="answer-status">
      <Icon name={icon} size={15} />
      {text}
      {turn.stopped && !stoppedEarly ? <span className="tag">Stopped</span> : null}
    </p>
  );
}

function Sources({ turn, onOpen }: { turn: AssistantTurn; onOpen: OpenSource }) {
  if (turn.covered === false) {
    if (turn.sources.length === 0) return <p className="muted small">Nothing in your library came close.</p>;
    return (
      <div className="closest">
        <h3>Closest passages</h3>
        <ol>
          {turn.sources.map((source) => (
            <li key={source.chunkId}>
              <button type="button" className="passage" onClick={() => onOpen(sourceTarget(source, `Closest passage, page ${source.page}`))}>
                <span className="passage-where">
                  {source.title} · page {source.page}
                </span>
                <span className="passage-text">{source.text}</span>
              </button>
            </li>
          ))}
        </ol>
      </div>
    );
  }
  const cited = [...new Map(turn.citations.map((c) => [c.n, c])).values()].sort((a, b) => a.n - b.n);
  if (cited.length === 0) return null;
  return (
    <div className="sources">
      <h3>Sources</h3>
      <ul>
        {cited.map((citation) => {
          const verified = turn.citations.filter((c) => c.n === citation.n).every((c) => c.verified);
          return (
            <li key={citation.n}>
              <button type="button" className={`source-row${verified ? '' : ' unverified'}`} onClick={() => onOpen(targetFor(citation, turn.sources[citation.n - 1]))}>
                <span className="source-n">{citation.n}</span>
                <span className="source-title">{citation.title}</span>
                <span className="source-page">page {citation.page}</span>
                {!verified && <span className="tag warn">not verified</span>}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function TimingsView({ turn }: { turn: AssistantTurn }) {
  const t = turn.timings;
  if (!t) return null;
  return (
    <details className="timings">
      <summary>
        <Icon name="clock" size={14} /> Timings
      </summary>
      <dl>
        <div>
          <dt>Retrieval</dt>
          <dd>{ms(t.retrievalMs)}</dd>
        </div>
        <div>
          <dt>Prompt</dt>
          <dd>{t.promptTokens.toLocaleString()} tokens</dd>
        </div>
        <div>
          <dt>First token</dt>
          <dd>{ms(t.timeToFirstTokenMs)}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{t.tokensPerSecond === null ? '—' : `${t.tokensPerSecond.toFixed(1)} tokens/s`}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>
            {ms(t.totalMs)} · {t.generatedTokens.toLocaleString()} tokens
          </dd>
        </div>
      </dl>
    </details>
  );
}

export function AnswerView({ turn, onOpen, waitingFor }: { turn: AssistantTurn; onOpen: OpenSource; waitingFor: string }) {
  const kind = turn.error
    ? 'error'
    : turn.streaming
      ? 'streaming'
      : turn.covered === null
        ? 'stopped'
        : turn.covered === false
        ? 'not-covered'
        : turn.grounded
          ? 'grounded'
          : 'ungrounded';
  return (
    <article className={`answer ${kind}`} aria-busy={turn.streaming} data-answer-state={kind}>
      <Status turn={turn} />
      {turn.error ? (
        <div className="answer-error" role="alert">
          <p>{turn.error.message}</p>
          {turn.error.code === 'MODEL_NOT_FOUND' && <p>Enter the path of a GGUF chat model under Model in the sidebar, then ask again.</p>}
          <p className="muted small">{turn.error.code}</p>
        </div>
      ) : turn.streaming && turn.content === '' ? (
        <p className="thinking">
          <span className="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {turn.joined ? 'Being written. This window opened it midway, so its text appears when it is finished.' : waitingFor}
        </p>
      ) : (
        <div className={`markdown${turn.streaming ? ' streaming' : ''}`}>
          <AnswerMarkdown turn={turn} onOpen={onOpen} />
        </div>
      )}
      {!turn.streaming && !turn.error && <Sources turn={turn} onOpen={onOpen} />}
      {!turn.streaming && !turn.error && <TimingsView turn={turn} />}
    </article>
  );
}
