import { randomBytes } from 'node:crypto';
import type { ResolvedApp } from './config.js';

/** A sessionWebhook: which delivered message it answers and until when. */
export interface Session {
  readonly id: string;
  readonly app: ResolvedApp;
  readonly msgId: string;
  readonly conversationId: string;
  /** A 1:1 chat's member (replies are recorded with `userIds: [userId]`). */
  readonly userId: string | undefined;
  expiresAt: number;
}

/** The session webhooks minted with delivered messages, kept (at most `max`) in creation order. */
export class Sessions {
  readonly #byId = new Map<string, Session>();

  constructor(readonly max: number) {}

  create(
    app: ResolvedApp,
    msgId: string,
    conversationId: string,
    expiresAt: number,
    userId?: string,
  ): Session {
    // Long and random like DingTalk's: the URL is the only credential a reply needs.
    const session: Session = {
      id: randomBytes(24).toString('base64url'),
      app,
      msgId,
      conversationId,
      userId,
      expiresAt,
    };
    this.#byId.set(session.id, session);
    if (this.#byId.size > this.max) {
      const oldest = this.#byId.keys().next().value;
      if (oldest !== undefined) this.#byId.delete(oldest);
    }
    return session;
  }

  /** The session, expired or not; `undefined` when unknown. */
  get(id: string | undefined): Session | undefined {
    return id ? this.#byId.get(id) : undefined;
  }

  /** Expires now every session of an app (or only the one of a message); returns how many. */
  expireNow(clientId: string, now: number, msgId?: string): number {
    let count = 0;
    for (const session of this.#byId.values()) {
      if (session.app.clientId !== clientId || (msgId !== undefined && session.msgId !== msgId)) continue;
      if (session.expiresAt > now) count++;
      session.expiresAt = Math.min(session.expiresAt, now);
    }
    return count;
  }
}

/** The sessionWebhook URL of a session on a base URL such as `http://127.0.0.1:8787`. */
export function sessionWebhookUrl(baseUrl: string, session: Session): string {
  return `${baseUrl.replace(/\/+$/, '')}/robot/sendBySession?session=${session.id}`;
}
