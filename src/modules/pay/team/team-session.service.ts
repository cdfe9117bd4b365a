import { createHash, randomBytes } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { AccountService } from '../accounts/account.service.ts';
import type { ActiveTeamSession, TeamSessionStore } from './team-session.store.ts';

/** How long a sign-in to the team pages lasts, however active the person is. */
export const TEAM_SESSION_MS = 4 * 60 * 60 * 1000;

export type TeamSession = {
  accountId: string;
  accountName: string;
  keyId: string;
  live: boolean;
  expiresAt: string;
};

function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toTeamSession(row: ActiveTeamSession): TeamSession {
  return {
    accountId: row.account_id,
    accountName: row.account_name,
    keyId: row.key_id,
    live: row.live === 1,
    expiresAt: row.expires_at,
  };
}

/**
 * Sign-in to the service team pages, until One Login can do it: a person proves they belong to
 * the service by giving one of its API keys. The session is a row in the database (so every
 * process sees it, and revoking the key ends it at once); the browser holds only a random token
 * in an HttpOnly cookie, and the database only that token's hash.
 */
export function createTeamSessionService(dependencies: {
  db: Database;
  store: TeamSessionStore;
  accounts: AccountService;
  audit: AuditService;
  clock: () => Date;
}) {
  const { db, store, accounts, audit, clock } = dependencies;

  return {
    async signIn(input: { apiKey: string; requestId?: string }): Promise<{ token: string; session: TeamSession } | undefined> {
      const caller = await accounts.authenticate(input.apiKey.trim());
      if (!caller) {
        await audit.record({
          actor: 'anonymous',
          action: 'pay.team.signed-in',
          subject: 'pay-team',
          outcome: 'denied',
          requestId: input.requestId,
        });
        return undefined;
      }
      const token = randomBytes(32).toString('base64url');
      const now = clock();
      const expiresAt = new Date(now.getTime() + TEAM_SESSION_MS).toISOString();
      await db.transaction().execute(async (transaction) => {
        await store.insert(transaction, {
          id_hash: hashSessionToken(token),
          account_id: caller.accountId,
          key_id: caller.keyId,
          live: caller.live ? 1 : 0,
          created_at: now.toISOString(),
          expires_at: expiresAt,
        });
        await audit.record(
          {
            actor: `pay-key:${caller.keyId}`,
            action: 'pay.team.signed-in',
            subject: `pay-account:${caller.accountId}`,
            outcome: 'success',
            requestId: input.requestId,
          },
          transaction,
        );
      });
      const found = await store.findActive(db, { idHash: hashSessionToken(token), now: now.toISOString() });
      return found && { token, session: toTeamSession(found) };
    },

    async find(token: string | undefined): Promise<TeamSession | undefined> {
      if (!token || token.length > 100) return undefined;
      const row = await store.findActive(db, { idHash: hashSessionToken(token), now: clock().toISOString() });
      return row && toTeamSession(row);
    },

    async signOut(input: { token: string; session: TeamSession; requestId?: string }): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        await store.delete(transaction, hashSessionToken(input.token));
        await audit.record(
          {
            actor: `pay-key:${input.session.keyId}`,
            action: 'pay.team.signed-out',
            subject: `pay-account:${input.session.accountId}`,
            outcome: 'success',
            requestId: input.requestId,
          },
          transaction,
        );
      });
    },
  };
}

export type TeamSessionService = ReturnType<typeof createTeamSessionService>;
