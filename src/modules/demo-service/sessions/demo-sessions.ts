import { hash, randomBytes } from 'node:crypto';
import type { Executor } from '../../../platform/db/database.ts';
import type { SignedInPerson } from '../../identity/identity.contract.ts';
import { createDemoSessionStore } from './demo-session.store.ts';

/** A demo session ends 8 hours after sign-in however active it is, as well as when One Login says. */
export const DEMO_SESSION_SECONDS = 8 * 60 * 60;

export type DemoSession = { email: string; phoneNumber?: string; level: string; idToken: string };

const storedKeyOf = (token: string) => hash('sha256', token, 'base64url');

/**
 * The demo service's sessions, kept in the database so that every process sees one end: the
 * browser holds a random token, the database its hash and the person's details.
 */
export function createDemoSessions(dependencies: { db: Executor; clock?: () => Date }) {
  const store = createDemoSessionStore(dependencies.db);
  const clock = dependencies.clock ?? (() => new Date());

  return {
    /** Starts a session for a person who signed in; the token for their cookie. */
    async start(person: SignedInPerson): Promise<string> {
      const now = clock();
      await store.removeExpired(now.toISOString());
      const token = randomBytes(32).toString('base64url');
      await store.insert({
        id_hash: storedKeyOf(token),
        subject: person.accountSubject,
        sid: person.sid ?? null,
        email: person.email,
        phone_number: person.phoneNumber ?? null,
        level: person.level,
        id_token: person.idToken,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + DEMO_SESSION_SECONDS * 1000).toISOString(),
      });
      return token;
    },

    async find(token: string | undefined): Promise<DemoSession | undefined> {
      if (!token) return undefined;
      const row = await store.findLive(storedKeyOf(token), clock().toISOString());
      if (!row) return undefined;
      return { email: row.email, level: row.level, idToken: row.id_token, ...(row.phone_number ? { phoneNumber: row.phone_number } : {}) };
    },

    async end(token: string): Promise<void> {
      await store.remove(storedKeyOf(token));
    },

    /** Back-channel logout: ends the person's sessions, or only those of one provider session. */
    async endFor(logout: { subject: string; sid?: string }): Promise<number> {
      return store.removeFor(logout.subject, logout.sid);
    },
  };
}

export type DemoSessions = ReturnType<typeof createDemoSessions>;
