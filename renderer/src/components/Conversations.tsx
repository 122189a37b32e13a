import type { ChatState } from '../state/useChat.js';
import { relativeTime } from '../format.js';
import { Icon } from './Icon.js';

export function Conversations({ chat }: { chat: ChatState }) {
  return (
    <section className="conversations" aria-labelledby="conversations-heading">
      <header className="section-head">
        <h2 id="conversations-heading">Conversations</h2>
        <button type="button" className="icon-button" onClick={chat.startNew} disabled={chat.busy} aria-label="New conversation">
          <Icon name="plus" size={16} />
        </button>
      </header>
      {chat.conversations.length === 0 ? (
        <p className="empty-hint">Your questions and Docent’s answers are kept here, with their sources.</p>
      ) : (
        <ul className="conv-list">
          {chat.conversations.map((c) => (
            <li key={c.id} className={c.id === chat.activeId ? 'active' : ''}>
              <button
                type="button"
                className="conv"
                onClick={() => void chat.open(c.id)}
                aria-current={c.id === chat.activeId ? 'true' : undefined}
                disabled={chat.busy && c.id !== chat.activeId}
              >
                <span className="conv-title">{c.title}</span>
                <span className="conv-meta">{relativeTime(c.updatedAt)}</span>
              </button>
              <button
                type="button"
                className="icon-button reveal"
                onClick={() => void chat.remove(c.id)}
                aria-label={`Delete conversation ${c.title}`}
                disabled={chat.busy && c.id === chat.activeId}
              >
                <Icon name="trash" size={15} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
