import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { createWebSessionStore, type WebSessionRow } from './web-session.store.ts';

const SESSION_MINUTES = 60;
/** Adding or changing a way to sign in needs a sign-in (or the password) at most this long ago. */
const RECENT_SIGN_IN_MINUTES = 15;
/** A passkey the browser was asked to create must be made within this time. */
const PASSKEY_CHALLENGE_MINUTES = 10;

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
    async start(input: { accountId: string; level: string; authenticatedAt: Date; subject?: string; sid?: string }): Promise<string> {
      const key = randomBytes(32).toString('base64url');
      const now = clock();
      await store.insert({
        id: idOf(key),
        account_id: input.accountId,
        level: input.level,
        authenticated_at: input.authenticatedAt.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + SESSION_MINUTES * 60_000).toISOString(),
        passkey_challenge: null,
        passkey_challenge_expires_at: null,
        subject: input.subject ?? null,
        sid: input.sid ?? null,
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
    /** Keeps the challenge of the passkey this session's browser is asked to create, in place of any earlier one. */
    async keepPasskeyChallenge(key: string, challenge: string): Promise<void> {
      const expiresAt = new Date(clock().getTime() + PASSKEY_CHALLENGE_MINUTES * 60_000).toISOString();
      await store.setPasskeyChallenge(idOf(key), { value: challenge, expiresAt });
    },
    /** The session's passkey challenge, if it has one that has not expired; it is gone once taken, so it answers one response. */
    async takePasskeyChallenge(key: string): Promise<string | undefined> {
      const session = await store.find(idOf(key), clock().toISOString());
      const challenge = session?.passkey_challenge;
      if (!session || !challenge) return undefined;
      const taken = await store.removePasskeyChallenge(session.id, challenge);
      const unexpired = Date.parse(session.passkey_challenge_expires_at ?? '') > clock().getTime();
      return taken && unexpired ? challenge : undefined;
    },
    async end(key: string): Promise<void> {
      await store.remove(idOf(key));
    },
    /** Ends the sessions a back-channel logout token names: its subject's, of its provider session when it names one. */
    endFor(logout: { subject: string; sid?: string }): Promise<number> {
      return store.removeFor(logout.subject, logout.sid);
    },
    endAllFor(accountId: string): Promise<number> {
      return store.removeAllFor(accountId);
    },
  };
}

export type WebSessions = ReturnType<typeof createWebSessions>;
