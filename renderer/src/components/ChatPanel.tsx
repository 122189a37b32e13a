import { Fragment, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ANSWERING_HINT, type ChatState } from '../state/useChat.js';
import type { ModelState } from '../state/useModel.js';
import { plural } from '../format.js';
import { AnswerView, type OpenSource } from './AnswerView.js';
import { Icon } from './Icon.js';

interface Props {
  chat: ChatState;
  model: ModelState;
  documentCount: number;
  onOpen: OpenSource;
  onAddDocuments: () => void;
}

function EmptyChat({ documentCount, hasModel, onAddDocuments }: { documentCount: number; hasModel: boolean; onAddDocuments: () => void }) {
  if (documentCount === 0) {
    return (
      <div className="empty-chat">
        <h2>Ask your PDFs</h2>
        <p>Docent answers from the documents in your library and cites the page of every claim. Everything stays on this machine.</p>
        <ol className="steps">
          <li>
            <strong>Add documents.</strong> Drop PDFs or whole folders anywhere on this window, or{' '}
            <button type="button" className="link" onClick={onAddDocuments}>
              choose files
            </button>
            .
          </li>
          <li className={hasModel ? 'done' : ''}>
            <strong>Load a chat model.</strong> {hasModel ? 'Ready.' : 'Any GGUF chat model works; see Model in the sidebar.'}
          </li>
          <li>
            <strong>Ask a question.</strong> Click a numbered source to see the passage on its page.
          </li>
        </ol>
      </div>
    );
  }
  return (
    <div className="empty-chat">
      <h2>What would you like to know?</h2>
      <p>
        Ask about anything in your {plural(documentCount, 'document')}. Each answer cites its sources; click a number to see the passage
        highlighted on its page.
      </p>
      <p className="muted small">Enter sends · Shift+Enter adds a line · Esc stops an answer</p>
    </div>
  );
}

export function ChatPanel({ chat, model, documentCount, onOpen, onAddDocuments }: Props) {
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const title = chat.conversations.find((c) => c.id === chat.activeId)?.title ?? 'New conversation';

  // Follow the answer as it streams, unless the reader has scrolled up to read.
  useEffect(() => {
    const element = log.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [chat.turns]);

  useEffect(() => {
    // A title being edited keeps the focus: a double-click opens a conversation and starts renaming it.
    if (document.activeElement instanceof HTMLInputElement) return;
    input.current?.focus();
  }, [chat.activeId]);

  const send = () => {
    const question = draft.trim();
    if (!question || chat.busy) return;
    setDraft('');
    stick.current = true;
    void chat.ask(question);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'Escape' && chat.busy) {
      event.preventDefault();
      void chat.stop();
    }
  };

  const waitingFor = model.loading
    ? `Loading the chat model… ${Math.round(model.loading.progress * 100)}%`
    : model.status?.chatModel
      ? 'Searching your documents…'
      : 'Searching your documents and loading the chat model…';

  return (
    <main className="chat" aria-label="Chat">
      <header className="chat-head">
        <h1 title={title}>{title}</h1>
        <button type="button" className="ghost small" onClick={chat.startNew} disabled={chat.busy || chat.activeId === null} title={chat.busy ? ANSWERING_HINT : undefined}>
          <Icon name="plus" size={16} /> New conversation
        </button>
      </header>
      <div
        className="chat-log"
        ref={log}
        onScroll={(event) => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
        }}
        aria-live="polite"
        aria-relevant="additions"
      >
        {chat.loadError && (
          <p className="banner error" role="alert">
            {chat.loadError}
          </p>
        )}
        {chat.turns.length === 0 ? (
          <EmptyChat documentCount={documentCount} hasModel={Boolean(model.status?.chatModel)} onAddDocuments={onAddDocuments} />
        ) : (
          chat.turns.map((turn, i) =>
            turn.role === 'user' ? (
              <Fragment key={turn.key}>
                <div className="question">
                  <p>{turn.content}</p>
                </div>
                {chat.turns[i + 1]?.role !== 'assistant' && (
                  <p className="unanswered">
                    {turn.key === chat.answeredElsewhere
                      ? 'Being answered in another Docent process (the command line, say). Open this conversation again once it has ended to see the answer.'
                      : 'Not answered: Docent ended before it saved this answer (it was closed, or it crashed).'}
                  </p>
                )}
              </Fragment>
            ) : (
              <AnswerView key={turn.key} turn={turn} onOpen={onOpen} waitingFor={waitingFor} />
            ),
          )
        )}
      </div>
      <form
        className="composer"
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        <label htmlFor="question" className="sr-only">
          Ask a question
        </label>
        <textarea
          id="question"
          ref={input}
          rows={Math.min(8, Math.max(1, draft.split('\n').length))}
          value={draft}
          placeholder={documentCount === 0 ? 'Add documents first, then ask a question about them…' : 'Ask a question about your documents…'}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby="composer-hint"
        />
        {chat.busy ? (
          <button
            type="button"
            className="primary stop"
            onClick={() => {
              // The button goes when the answer ends: the focus moves to the question box, not to nowhere.
              input.current?.focus();
              void chat.stop();
            }}
            aria-label="Stop answer (Esc)"
          >
            <Icon name="stop" size={16} /> Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={!draft.trim()} aria-label="Send question">
            <Icon name="send" size={16} /> Ask
          </button>
        )}
        <span id="composer-hint" className="sr-only">
          Enter sends, Shift+Enter adds a new line, Escape stops the answer being written.
        </span>
      </form>
    </main>
  );
}
