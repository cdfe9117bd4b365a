import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { createWebSessionStore, type WebSessionRow } from './web-session.store.ts';

const SESSION_MINUTES = 60;
/** Adding or changing a way to sign in needs a sign-in (or the password) at most this long ago. */
const RECENT_SIGN_IN_MINUTES = 15;

/** The key is only ever in the person's cookie; the table holds its hash. */
function idOf(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** Signed-in browsers on the account pages. */
export function createWebSessions(dependencies: { db: Database; clock?: () => Date }) {
  const clock = dependencies.clock ?? (() => new Date());
  const store = createWebSessionStore(dependencies.db);
  return {
    /**
     * Starts a session and returns the key for the cookie. `authenticatedAt` is when the person
     * proved who they are (the ID token's auth_time), which may be long before this session:
     * a single sign-on to these pages is no proof that the person is still at the browser.
     */
    async start(input: { accountId: string; level: string; authenticatedAt: Date }): Promise<string> {
      const key = randomBytes(32).toString('base64url');
      const now = clock();
      await store.insert({
        id: idOf(key),
        account_id: input.accountId,
        level: input.level,
        authenticated_at: input.authenticatedAt.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + SESSION_MINUTES * 60_000).toISOString(),
      });
      return key;
    },
    async find(key: string | undefined): Promise<WebSessionRow | undefined> {
      return key ? store.find(idOf(key), clock().toISOString()) : undefined;
    },
    isRecent(session: WebSessionRow): boolean {
      return clock().getTime() - Date.parse(session.authenticated_at) <= RECENT_SIGN_IN_MINUTES * 60_000;
    },
    /** The person proved it is them again (by their password): their sign-in counts as recent. */
    async reconfirm(key: string): Promise<void> {
      await store.updateAuthenticatedAt(idOf(key), clock().toISOString());
    },
    async end(key: string): Promise<void> {
      await store.remove(idOf(key));
    },
    endAllFor(accountId: string): Promise<number> {
      return store.removeAllFor(accountId);
    },
  };
}

export type WebSessions = ReturnType<typeof createWebSessions>;
