import { useRef, useState } from 'react';
import { firstCharacters, TITLE_MAX_CHARACTERS, type ConversationSummary } from '../../../preload/contract/index.js';
import { ANSWERING_HINT, type ChatState } from '../state/useChat.js';
import { relativeTime } from '../format.js';
import { ConfirmedRemove } from './ConfirmedRemove.js';
import { Icon } from './Icon.js';

/** A file name for the export: the title without characters file systems refuse. */
function exportFileName(conversation: Pick<ConversationSummary, 'id' | 'title'>): string {
  // eslint-disable-next-line no-control-regex
  const base = conversation.title.replace(/[\u0000-\u001f<>:"/\\|?*]+/g, ' ').replace(/\s+/g, ' ').trim().replace(/[. ]+$/, '');
  return `${firstCharacters(base, 80) || `Conversation ${conversation.id}`}.md`;
}

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/markdown;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** `byKey`: ended with Enter or Escape, so the focus goes back to the pencil (leaving the field put it elsewhere). */
function TitleEditor({ title, onDone }: { title: string; onDone: (title: string | null, byKey: boolean) => void }) {
  const [value, setValue] = useState(title);
  // Enter or leaving the field keeps the new title; Escape keeps the old one.
  const finish = (keep: boolean, byKey: boolean) => {
    const next = value.trim();
    onDone(keep && next && next !== title ? next : null, byKey);
  };
  return (
    <form
      className="conv conv-rename"
      onSubmit={(event) => {
        event.preventDefault();
        finish(true, true);
      }}
    >
      <input
        aria-label="Conversation title"
        value={value}
        autoFocus
        onFocus={(event) => event.currentTarget.select()}
        // Not maxLength, which counts UTF-16 units: an emoji would count twice.
        onChange={(event) => setValue(firstCharacters(event.currentTarget.value, TITLE_MAX_CHARACTERS))}
        onBlur={() => finish(true, false)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            finish(false, true);
          }
        }}
      />
    </form>
  );
}

export function Conversations({ chat }: { chat: ChatState }) {
  const [renaming, setRenaming] = useState<number | null>(null);
  // The conversation whose pencil takes the focus back when it is shown again after a rename.
  const refocus = useRef<number | null>(null);

  const actionTabIndex = (id: number) => (id === chat.activeId ? undefined : -1);

  const exportConversation = async (conversation: ConversationSummary) => {
    const markdown = await chat.exportMarkdown(conversation.id);
    if (markdown !== null) download(exportFileName(conversation), markdown);
  };

  return (
    <section className="conversations" aria-labelledby="conversations-heading">
      <header className="section-head">
        <h2 id="conversations-heading">Conversations</h2>
        <button type="button" className="icon-button" onClick={chat.startNew} disabled={chat.busy} title={chat.busy ? ANSWERING_HINT : 'New conversation'} aria-label="New conversation">
          <Icon name="plus" size={16} />
        </button>
      </header>
      {chat.conversations.length === 0 ? (
        <p className="empty-hint">Your questions and Docent’s answers are kept here, with their sources.</p>
      ) : (
        <ul className="conv-list">
          {chat.conversations.map((c) => (
            <li key={c.id} className={c.id === chat.activeId ? 'active' : ''}>
              {renaming === c.id ? (
                <TitleEditor
                  title={c.title}
                  onDone={(title, byKey) => {
                    setRenaming(null);
                    if (byKey) refocus.current = c.id;
                    if (title !== null) void chat.rename(c.id, title);
                  }}
                />
              ) : (
                <>
                  <button
                    type="button"
                    className="conv"
                    onClick={() => void chat.open(c.id)}
                    onDoubleClick={() => setRenaming(c.id)}
                    aria-current={c.id === chat.activeId ? 'true' : undefined}
                    disabled={chat.busy && c.id !== chat.activeId}
                    title={chat.busy && c.id !== chat.activeId ? ANSWERING_HINT : undefined}
                  >
                    <span className="conv-title" title={chat.busy && c.id !== chat.activeId ? ANSWERING_HINT : c.title}>
                      {c.title}
                    </span>
                    <span className="conv-meta">{relativeTime(c.updatedAt)}</span>
                  </button>
                  {/* Over the end of the title, shown on hover or focus: a title uses the row's whole width.
                      In the Tab order for the open conversation only: one stop for each other row. */}
                  <div className="conv-actions">
                    <button
                      type="button"
                      className="icon-button reveal"
                      ref={(button) => {
                        if (button && refocus.current === c.id) {
                          refocus.current = null;
                          button.focus();
                        }
                      }}
                      onClick={() => setRenaming(c.id)}
                      tabIndex={actionTabIndex(c.id)}
                      aria-label={`Rename conversation ${c.title}`}
                    >
                      <Icon name="pencil" size={15} />
                    </button>
                    <button
                      type="button"
                      className="icon-button reveal"
                      onClick={() => void exportConversation(c)}
                      tabIndex={actionTabIndex(c.id)}
                      aria-label={`Export conversation ${c.title} as Markdown`}
                    >
                      <Icon name="download" size={15} />
                    </button>
                    <ConfirmedRemove
                      label={`Delete conversation ${c.title}`}
                      action="Delete"
                      onConfirm={() => void chat.remove(c.id)}
                      disabled={chat.busy && c.id === chat.activeId}
                      iconSize={15}
                      tabIndex={actionTabIndex(c.id)}
                    />
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
