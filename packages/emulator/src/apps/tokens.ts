import { randomBytes } from 'node:crypto';
import type { ResolvedApp } from './config.js';

interface IssuedToken {
  app: ResolvedApp;
  expiresAt: number;
}

/**
 * App access tokens. Like DingTalk, asking again while a token is valid returns the same token
 * (its lifetime renewed); an expired token is refused by every OpenAPI call.
 */
export class AccessTokens {
  readonly #byToken = new Map<string, IssuedToken>();
  readonly #byApp = new Map<string, string>();

  constructor(readonly ttlMs: number) {}

  /** A token for the app at `now`, and its lifetime in whole seconds. */
  issue(app: ResolvedApp, now: number): { token: string; expiresInSeconds: number } {
    let token = this.#byApp.get(app.clientId);
    const issued = token === undefined ? undefined : this.#byToken.get(token);
    if (token === undefined || issued === undefined || issued.expiresAt <= now) {
      if (token !== undefined) this.#byToken.delete(token);
      token = randomBytes(16).toString('hex');
      this.#byApp.set(app.clientId, token);
    }
    this.#byToken.set(token, { app, expiresAt: now + this.ttlMs });
    return { token, expiresInSeconds: Math.floor(this.ttlMs / 1000) };
  }

  /** The app a token belongs to, or `undefined` when it is unknown or expired at `now`. */
  verify(token: string | undefined, now: number): ResolvedApp | undefined {
    if (!token) return undefined;
    const issued = this.#byToken.get(token);
    return issued && issued.expiresAt > now ? issued.app : undefined;
  }

  /** Expires every token of an app now (tests of token refresh). */
  expire(clientId: string): void {
    const token = this.#byApp.get(clientId);
    if (token !== undefined) this.#byToken.delete(token);
    this.#byApp.delete(clientId);
  }
}
