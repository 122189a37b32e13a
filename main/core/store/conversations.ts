import type { Citation, ConversationSummary, Message, Source, Timings } from '../../../preload/contract/index.js';
import { DocentError } from '../errors.js';
import { Claims, CLAIM_STALE_MS } from './claims.js';
import { prepared, type Db } from './database.js';
import { newId } from './migrations.js';

interface MessageRow {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  sources: string | null;
  covered: number | null;
  grounded: number | null;
  stopped: number | null;
  timings: string | null;
  created_at: string;
}

interface CitationRow {
  message_id: number;
  n: number;
  chunk_id: number | null;
  document_id: number;
  title: string;
  page: number;
  char_start: number;
  char_end: number;
  text: string;
  verified: number;
}

export interface AssistantMessage {
  content: string;
  searchQuery: string;
  sources: Source[];
  citations: Citation[];
  covered: boolean;
  grounded: boolean;
  stopped: boolean;
  timings: Timings;
}

const bool = (v: number | null) => (v === null ? null : v === 1);

/** What asking a question writes and reads before the model starts on the prompt. */
const ASK_SQL = {
  create: `INSERT INTO conversations(id, title, created_at, updated_at) VALUES (${newId('conversations')}, ?, ?, ?)`,
  // An answer stopped before its first word says nothing: the model is not shown an empty turn.
  turns: `SELECT role, content AS text FROM messages WHERE conversation_id = ? AND NOT (role = 'assistant' AND content = '') ORDER BY id`,
  addUserMessage: `INSERT INTO messages(conversation_id, role, content, created_at) VALUES (?, 'user', ?, ?)`,
  touch: `UPDATE conversations SET updated_at = ? WHERE id = ?`,
};

/** Conversations, their messages and the citations of each answer, in the library file. */
export class ConversationStore {
  private readonly answers: Claims;

  constructor(private readonly db: Db) {
    this.answers = new Claims(db, 'answer_claims', 'conversation_id');
    // Prepared when the library opens rather than on the way to a first answer's first token.
    for (const sql of Object.values(ASK_SQL)) prepared(db, sql);
  }

  /** Runs `work` in one transaction (nested calls join the outer one). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** Runs `work` in one transaction that holds the write lock from its start: for a check and the write it allows. */
  writeTransaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /**
   * Takes the conversation for the answer `answerId` unless an answer still being written holds
   * it, in this process or another one (the app and the CLI); one left by a process that died is
   * taken over. Released with releaseAnswer, renewed with renewAnswer while it is written.
   */
  claimAnswer(conversationId: number, answerId: string): boolean {
    return this.answers.take(conversationId, answerId);
  }

  renewAnswer(conversationId: number, answerId: string): void {
    this.answers.renew(conversationId, answerId);
  }

  releaseAnswer(conversationId: number, answerId: string): void {
    this.answers.release(conversationId, answerId);
  }

  /** Whether an answer is being written in the conversation, by this process or another. */
  answering(conversationId: number): boolean {
    return this.answers.heldByAnyone(conversationId);
  }

  create(title: string): number {
    const now = new Date().toISOString();
    return Number(prepared(this.db, ASK_SQL.create).run(title, now, now).lastInsertRowid);
  }

  get(id: number): ConversationSummary | null {
    const row = prepared(
      this.db,
      `SELECT c.id, c.title, c.created_at AS createdAt, c.updated_at AS updatedAt,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS messages
       FROM conversations c WHERE c.id = ?`,
    )
      .get(id) as ConversationSummary | undefined;
    return row ?? null;
  }

  list(): ConversationSummary[] {
    return prepared(
      this.db,
      `SELECT c.id, c.title, c.created_at AS createdAt, c.updated_at AS updatedAt,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS messages
       FROM conversations c ORDER BY c.updated_at DESC, c.id DESC`,
    )
      .all() as ConversationSummary[];
  }

  rename(id: number, title: string): boolean {
    return prepared(this.db, `UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?`).run(title, new Date().toISOString(), id).changes > 0;
  }

  delete(id: number): boolean {
    return prepared(this.db, `DELETE FROM conversations WHERE id = ?`).run(id).changes > 0;
  }

  /**
   * Takes back a question whose answer failed, so the conversation does not keep a question
   * without a reply (the next prompt would hold two questions in a row); a conversation created
   * for it goes too, and one that was there keeps its place in the list (when it last changed).
   */
  withdrawQuestion(question: { conversationId: number; messageId: number; newConversation: boolean; updatedAt: string | null }): void {
    this.transaction(() => {
      // Its place in the list goes back to where it was, unless the conversation changed since
      // the question moved it (renamed meanwhile, say): the question's time is still its time.
      if (question.updatedAt !== null) {
        prepared(this.db, `UPDATE conversations SET updated_at = ? WHERE id = ? AND updated_at = (SELECT created_at FROM messages WHERE id = ?)`).run(
          question.updatedAt,
          question.conversationId,
          question.messageId,
        );
      }
      prepared(this.db, `DELETE FROM messages WHERE id = ? AND conversation_id = ?`).run(question.messageId, question.conversationId);
      // Only if nothing else was said in it meanwhile.
      if (question.newConversation && !prepared(this.db, `SELECT 1 FROM messages WHERE conversation_id = ? LIMIT 1`).get(question.conversationId)) {
        this.delete(question.conversationId);
      }
    });
  }

  addUserMessage(conversationId: number, content: string): number {
    const now = new Date().toISOString();
    const id = prepared(this.db, ASK_SQL.addUserMessage).run(conversationId, content, now).lastInsertRowid;
    prepared(this.db, ASK_SQL.touch).run(now, conversationId);
    return Number(id);
  }

  /** The answer, its sources and citations in one transaction. */
  addAssistantMessage(conversationId: number, message: AssistantMessage, claimedBy?: string): number {
    const now = new Date().toISOString();
    return this.writeTransaction(() => {
      // Taken over meanwhile (this process was stopped, a laptop asleep, for over CLAIM_STALE_MS):
      // another answer may be in the conversation since, and two would interleave.
      // Its claim also goes with the conversation, which another process may delete once the claim is stale.
      if (claimedBy !== undefined && !this.answers.holds(conversationId, claimedBy)) {
        const silent = `it went silent for over ${CLAIM_STALE_MS / 60_000} minutes (Docent was paused or the computer slept)`;
        throw new DocentError(
          'CANCELLED',
          this.get(conversationId)
            ? `This answer was not saved: ${silent}, and another answer took conversation ${conversationId} over. Ask again.`
            : `This answer was not saved: ${silent}, and conversation ${conversationId} was deleted meanwhile.`,
        );
      }
      const id = Number(
        prepared(
          this.db,
          `INSERT INTO messages(conversation_id, role, content, search_query, sources, covered, grounded, stopped, timings, created_at)
           VALUES (?, 'assistant', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
          .run(
            conversationId,
            message.content,
            message.searchQuery,
            JSON.stringify(message.sources),
            message.covered ? 1 : 0,
            message.grounded ? 1 : 0,
            message.stopped ? 1 : 0,
            JSON.stringify(message.timings),
            now,
          ).lastInsertRowid,
      );
      const insert = prepared(
        this.db,
        `INSERT INTO citations(message_id, n, chunk_id, document_id, title, page, char_start, char_end, text, verified)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const c of message.citations) {
        insert.run(id, c.n, c.chunkId, c.documentId, c.title, c.page, c.charStart, c.charEnd, c.text, c.verified ? 1 : 0);
      }
      prepared(this.db, ASK_SQL.touch).run(now, conversationId);
      return id;
    });
  }

  /** The conversation's turns, role and text only: what a follow-up question needs. */
  turns(conversationId: number): { role: Message['role']; text: string }[] {
    return prepared(this.db, ASK_SQL.turns).all(conversationId) as { role: Message['role']; text: string }[];
  }

  messages(conversationId: number): Message[] {
    const rows = prepared(this.db, `SELECT * FROM messages WHERE conversation_id = ? ORDER BY id`).all(conversationId) as MessageRow[];
    const citations = prepared(this.db, `SELECT c.* FROM citations c JOIN messages m ON m.id = c.message_id WHERE m.conversation_id = ? ORDER BY c.id`)
      .all(conversationId) as CitationRow[];
    return rows.map((row) => ({
      id: row.id,
      role: row.role,
      content: row.content,
      citations: citations
        .filter((c) => c.message_id === row.id)
        .map((c) => ({
          n: c.n,
          chunkId: c.chunk_id,
          documentId: c.document_id,
          title: c.title,
          page: c.page,
          charStart: c.char_start,
          charEnd: c.char_end,
          text: c.text,
          verified: c.verified === 1,
        })),
      sources: row.sources ? (JSON.parse(row.sources) as Source[]) : [],
      covered: bool(row.covered),
      grounded: bool(row.grounded),
      stopped: bool(row.stopped),
      timings: row.timings ? (JSON.parse(row.timings) as Timings) : null,
      createdAt: row.created_at,
    }));
  }
}
