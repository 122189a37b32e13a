import { useCallback, useEffect, useRef, useState } from 'react';
import type { Answer, Citation, ConversationSummary, Message, Source, Timings } from '../../../preload/contract/index.js';
import type { DocentClient } from '../api/client.js';

export interface UserTurn {
  key: string;
  role: 'user';
  content: string;
}

export interface AssistantTurn {
  key: string;
  role: 'assistant';
  answerId: string | null;
  content: string;
  citations: Citation[];
  sources: Source[];
  covered: boolean | null;
  grounded: boolean | null;
  stopped: boolean | null;
  timings: Timings | null;
  /** Tokens are still arriving (or the model is still loading). */
  streaming: boolean;
  /** Already being written when this window opened it: its first words went by, so its text shows when it ends. */
  joined?: boolean;
  /** ChatDoneEvent's error code is any string; ask()'s is an ErrorCode. */
  error: { code: string; message: string } | null;
}

export type Turn = UserTurn | AssistantTurn;

export interface ChatState {
  conversations: ConversationSummary[];
  activeId: number | null;
  turns: Turn[];
  /** The answer being written, if any. */
  busy: boolean;
  loadError: string | null;
  /**
   * The key of the open conversation's last question when another process sharing the library
   * (the CLI, say) was writing its answer as the conversation was opened.
   */
  answeredElsewhere: string | null;
  ask(question: string): Promise<void>;
  stop(): Promise<void>;
  open(conversationId: number): Promise<void>;
  startNew(): void;
  remove(conversationId: number): Promise<void>;
  /** A refused title sets loadError. */
  rename(conversationId: number, title: string): Promise<void>;
  /** The conversation as Markdown with its sources, or null (with loadError set). */
  exportMarkdown(conversationId: number): Promise<string | null>;
}

/** Why other conversations cannot be opened, nor a new one started, while an answer is being written. */
export const ANSWERING_HINT = 'An answer is being written: stop it, or wait for it to end, to open another conversation.';

/** This window's open conversation, kept in its session so that a reload reopens it. */
const OPEN_KEY = 'docent.conversation';

function rememberOpen(id: number | null): void {
  try {
    if (id === null) sessionStorage.removeItem(OPEN_KEY);
    else sessionStorage.setItem(OPEN_KEY, String(id));
  } catch {
    // No storage for this page: a reload opens a new conversation, as it did before.
  }
}

function rememberedOpen(): number | null {
  try {
    const id = Number(sessionStorage.getItem(OPEN_KEY));
    return Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

let keys = 0;
const nextKey = (prefix: string) => `${prefix}-${++keys}`;

function fromMessage(message: Message): Turn {
  if (message.role === 'user') return { key: `m${message.id}`, role: 'user', content: message.content };
  return {
    key: `m${message.id}`,
    role: 'assistant',
    answerId: null,
    content: message.content,
    citations: message.citations,
    sources: message.sources,
    covered: message.covered,
    grounded: message.grounded,
    stopped: message.stopped,
    timings: message.timings,
    streaming: false,
    error: null,
  };
}

/** An answer being written, nothing of it shown yet. */
function streamingTurn(key: string, answerId: string | null, joined = false): AssistantTurn {
  return { key, role: 'assistant', answerId, content: '', citations: [], sources: [], covered: null, grounded: null, stopped: null, timings: null, streaming: true, joined, error: null };
}

function finished(turn: AssistantTurn, answer: Answer): AssistantTurn {
  return {
    ...turn,
    key: turn.key,
    content: answer.answer,
    citations: answer.citations,
    sources: answer.sources,
    covered: answer.covered,
    grounded: answer.grounded,
    stopped: answer.stopped,
    timings: answer.timings,
    streaming: false,
    error: null,
  };
}

interface Stream {
  text: string;
  done: { answer: Answer | null; error: { code: string; message: string } | null } | null;
}

/** Conversations, and the answer being streamed: chat:token appends, chat:done replaces. */
export function useChat(client: DocentClient): ChatState {
  const [conversations, setConversations] = useState<ConversationSummary[]>([]);
  const [activeId, setActiveId] = useState<number | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [answeredElsewhere, setAnsweredElsewhere] = useState<string | null>(null);

  // Events may arrive before ask() replies with the answer's id, so every stream is buffered.
  const streams = useRef(new Map<string, Stream>());
  // `joined`: an answer already being written when this window opened its conversation (after a
  // reload, say); its first words went by, so it shows as being written until its final text.
  const pending = useRef<{ key: string; answerId: string | null; stopRequested?: boolean; joined?: boolean } | null>(null);
  const frame = useRef<number | null>(null);
  // Read before the first render's effects store the (empty) open conversation.
  const [reopen] = useState(rememberedOpen);

  const refreshList = useCallback(async () => {
    const result = await client.listConversations({});
    if (!result.ok) return null;
    const listed = result.value.conversations;
    setConversations(listed);
    // A conversation can go away (deleted in another window, or taken back with the question of
    // a failed first answer): the next question then starts a new one.
    setActiveId((id) => (id !== null && !listed.some((c) => c.id === id) ? null : id));
    return listed;
  }, [client]);

  useEffect(() => rememberOpen(activeId), [activeId]);

  /** Applies the pending answer's stream to its turn, at most once per frame. */
  const flush = useCallback(() => {
    frame.current = null;
    const current = pending.current;
    if (!current?.answerId) return;
    const stream = streams.current.get(current.answerId);
    if (!stream) return;
    setTurns((all) =>
      all.map((turn) => {
        if (turn.key !== current.key || turn.role !== 'assistant') return turn;
        if (!stream.done) return current.joined ? turn : { ...turn, answerId: current.answerId, content: stream.text };
        if (stream.done.answer) return finished(turn, stream.done.answer);
        // Stopped before the first token, the core reports the abort as an error; the person
        // asked for it, so it is a stop, not a failure.
        if (current.stopRequested) return { ...turn, content: stream.text, stopped: true, streaming: false, error: null };
        return { ...turn, streaming: false, error: stream.done.error };
      }),
    );
    if (stream.done) {
      streams.current.delete(current.answerId);
      pending.current = null;
      setBusy(false);
      void refreshList();
    }
  }, [refreshList]);

  const schedule = useCallback(() => {
    frame.current ??= requestAnimationFrame(flush);
  }, [flush]);

  useEffect(() => {
    const stream = (answerId: string) => {
      let s = streams.current.get(answerId);
      if (!s) streams.current.set(answerId, (s = { text: '', done: null }));
      return s;
    };
    const mine = (answerId: string) => pending.current !== null && (pending.current.answerId === null || pending.current.answerId === answerId);
    const offs = [
      client.on('chat:token', ({ answerId, text }) => {
        if (!mine(answerId)) return; // another window's answer
        stream(answerId).text += text;
        if (pending.current?.answerId === answerId) schedule();
      }),
      client.on('chat:done', ({ answerId, answer, error }) => {
        if (!mine(answerId)) {
          streams.current.delete(answerId); // another window's answer
          return;
        }
        stream(answerId).done = { answer, error };
        if (pending.current?.answerId === answerId) schedule();
      }),
      client.onConnection((_state, reopened) => {
        if (reopened) void refreshList();
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [client, refreshList, schedule]);

  const ask = useCallback(
    async (question: string) => {
      if (pending.current) return;
      const key = nextKey('a');
      pending.current = { key, answerId: null };
      setBusy(true);
      // The conversation as it is now, if another process was answering in it when it was opened:
      // that answer may have been saved since.
      let current: Turn[] | null = null;
      if (answeredElsewhere !== null && activeId !== null) {
        const fresh = await client.getConversation({ conversationId: activeId });
        if (fresh.ok) {
          current = fresh.value.messages.map(fromMessage);
          setAnsweredElsewhere(fresh.value.answeringElsewhere ? (current.at(-1)?.key ?? null) : null);
        }
      }
      setTurns((all) => [
        ...(current ?? all),
        { key: nextKey('q'), role: 'user', content: question },
        streamingTurn(key, null),
      ]);
      const result = await client.ask({ question, ...(activeId !== null ? { conversationId: activeId } : {}) });
      if (!result.ok) {
        pending.current = null;
        setBusy(false);
        setTurns((all) => all.map((turn) => (turn.key === key && turn.role === 'assistant' ? { ...turn, streaming: false, error: result.error } : turn)));
        return;
      }
      const stopRequested = pending.current?.stopRequested;
      pending.current = { key, answerId: result.value.answerId, stopRequested };
      if (stopRequested) void client.stopAnswer({ answerId: result.value.answerId });
      setActiveId(result.value.conversationId);
      void refreshList();
      schedule();
    },
    [client, activeId, answeredElsewhere, refreshList, schedule],
  );

  const stop = useCallback(async () => {
    const current = pending.current;
    if (!current) return;
    current.stopRequested = true;
    // Before ask() has replied there is no id to stop yet; ask() stops it as soon as there is.
    if (current.answerId) await client.stopAnswer({ answerId: current.answerId });
  }, [client]);

  const open = useCallback(
    async (conversationId: number) => {
      if (pending.current) return;
      const result = await client.getConversation({ conversationId });
      if (!result.ok) {
        setLoadError(result.error.message);
        return;
      }
      setLoadError(null);
      setActiveId(conversationId);
      const turns = result.value.messages.map(fromMessage);
      setAnsweredElsewhere(result.value.answeringElsewhere ? (turns.at(-1)?.key ?? null) : null);
      const answerId = result.value.answering;
      if (answerId !== null) {
        const key = nextKey('a');
        pending.current = { key, answerId, joined: true };
        setBusy(true);
        turns.push(streamingTurn(key, answerId, true));
      }
      setTurns(turns);
      if (answerId === null) return;
      schedule();
      // Its end may have come between the reply and now, before this window followed it: then
      // the conversation, read again, has the answer.
      const again = await client.getConversation({ conversationId });
      if (!again.ok || again.value.answering !== null || pending.current?.answerId !== answerId || streams.current.get(answerId)?.done) return;
      pending.current = null;
      setBusy(false);
      setTurns(again.value.messages.map(fromMessage));
    },
    [client, schedule],
  );

  // The first list; after a reload, the conversation this window had open opens again (an
  // answer still being written in it shows as such, with Stop).
  useEffect(() => {
    let cancelled = false;
    void refreshList().then((listed) => {
      if (!cancelled && reopen !== null && listed?.some((c) => c.id === reopen)) void open(reopen);
    });
    return () => {
      cancelled = true;
    };
  }, [reopen, refreshList, open]);

  /** An empty chat, for a new conversation. */
  const showNew = useCallback(() => {
    setActiveId(null);
    setTurns([]);
    setLoadError(null);
    setAnsweredElsewhere(null);
  }, []);

  const startNew = useCallback(() => {
    if (!pending.current) showNew();
  }, [showNew]);

  const remove = useCallback(
    async (conversationId: number) => {
      const result = await client.deleteConversation({ conversationId });
      if (!result.ok) setLoadError(result.error.message);
      else if (conversationId === activeId) {
        // The core stopped the answer being written in it before deleting it; that answer's
        // stream goes with the conversation.
        const current = pending.current;
        if (current?.answerId) streams.current.delete(current.answerId);
        pending.current = null;
        setBusy(false);
        showNew();
      }
      await refreshList();
    },
    [client, activeId, refreshList, showNew],
  );

  const rename = useCallback(
    async (conversationId: number, title: string) => {
      const result = await client.renameConversation({ conversationId, title });
      setLoadError(result.ok ? null : result.error.message);
      await refreshList();
    },
    [client, refreshList],
  );

  const exportMarkdown = useCallback(
    async (conversationId: number) => {
      const result = await client.exportConversation({ conversationId });
      setLoadError(result.ok ? null : result.error.message);
      return result.ok ? result.value.markdown : null;
    },
    [client],
  );

  return { conversations, activeId, turns, busy, loadError, answeredElsewhere, ask, stop, open, startNew, remove, rename, exportMarkdown };
}
