import { hash, randomBytes } from 'node:crypto';
import type { Executor } from '../../../platform/db/database.ts';
import type { SignedInPerson } from '../../identity/identity.contract.ts';
import { createConsoleSessionStore } from './console-session.store.ts';

/** A console session ends 8 hours after sign-in however active it is. */
export const CONSOLE_SESSION_SECONDS = 8 * 60 * 60;
/** ...and after 30 minutes without a request. */
export const CONSOLE_IDLE_SECONDS = 30 * 60;
/** Adding members and changing roles need a sign-in at most this long ago. */
export const RECENT_SIGN_IN_SECONDS = 15 * 60;
/** A request moves the idle deadline on only if the last one was at least this long ago (fewer writes). */
const TOUCH_AFTER_MS = 60 * 1000;

export type ConsoleSession = {
  /** The stored key of the session (the hash of its cookie's token): what its one-time secrets are bound to. */
  sessionKey: string;
  personKey: string;
  email: string;
  level: string;
  /** How the sign-in that opened this session was made (its `amr`). */
  authenticationMethods: string[];
  idToken: string;
  authenticatedAt: Date;
};

const storedKeyOf = (token: string) => hash('sha256', token, 'base64url');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The console's sessions, in the database so every process sees one end: the browser holds a
 * random token (in a signed cookie), the database its hash. A person is known by the console's
 * `sub` for them.
 */
export function createConsoleSessions(dependencies: { db: Executor; clock?: () => Date }) {
  const store = createConsoleSessionStore(dependencies.db);
  const clock = dependencies.clock ?? (() => new Date());
  const idleSince = (now: Date) => new Date(now.getTime() - CONSOLE_IDLE_SECONDS * 1000).toISOString();

  return {
    /** Starts a session for a person who signed in; the token for their cookie. */
    async start(person: SignedInPerson & { authenticatedAt: Date }): Promise<string> {
      const now = clock();
      await store.removeEnded(now.toISOString(), idleSince(now));
      const token = randomBytes(32).toString('base64url');
      await store.insert({
        id_hash: storedKeyOf(token),
        person_key: person.accountSubject,
        sid: person.sid ?? null,
        email: person.email,
        level: person.level,
        authentication_methods: person.authenticationMethods.join(' '),
        id_token: person.idToken,
        authenticated_at: person.authenticatedAt.toISOString(),
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + CONSOLE_SESSION_SECONDS * 1000).toISOString(),
      });
      return token;
    },

    /** The live session of this token, which this request keeps from going idle. */
    async find(token: string | undefined): Promise<ConsoleSession | undefined> {
      if (!token || !TOKEN.test(token)) return undefined;
      const now = clock();
      const idHash = storedKeyOf(token);
      const row = await store.findLive(idHash, now.toISOString(), idleSince(now));
      if (!row) return undefined;
      if (now.getTime() - Date.parse(row.last_seen_at) >= TOUCH_AFTER_MS) await store.touch(idHash, now.toISOString());
      return {
        sessionKey: idHash,
        personKey: row.person_key,
        email: row.email,
        level: row.level,
        authenticationMethods: row.authentication_methods.split(' ').filter(Boolean),
        idToken: row.id_token,
        authenticatedAt: new Date(row.authenticated_at),
      };
    },

    /** Whether the person proved who they are to One Login recently enough to add members or change roles. */
    signedInRecently(session: ConsoleSession): boolean {
      return clock().getTime() - session.authenticatedAt.getTime() <= RECENT_SIGN_IN_SECONDS * 1000;
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

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
