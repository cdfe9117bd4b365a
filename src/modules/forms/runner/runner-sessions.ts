import { hash, randomBytes } from 'node:crypto';
import type { Executor } from '../../../platform/db/database.ts';
import type { Answers, PendingAnswer } from './answers.ts';
import { createRunnerSessionStore } from './runner-session.store.ts';

/** GOV.UK Forms keeps an anonymous person's answers for 20 hours. */
export const RUNNER_SESSION_SECONDS = 20 * 60 * 60;

/** The One Login account a signed-in session belongs to, at the level it signed in with. */
export type SessionAccount = { subject: string; level: string; email: string; phone?: string };

export type RunnerSession = {
  idHash: string;
  formId: string;
  versionId: string;
  answers: Answers;
  submissionId: string | null;
  expiresAt: string;
  pending?: PendingAnswer;
  account?: SessionAccount;
};

export const sessionKeyOf = (token: string) => hash('sha256', token, 'base64url');

/**
 * A person's answers to one form, kept server-side as they go: the browser holds a random token,
 * the database its hash, the version of the form they started and their answers.
 */
export function createRunnerSessions(dependencies: { db: Executor; clock?: () => Date }) {
  const store = createRunnerSessionStore(dependencies.db);
  const clock = dependencies.clock ?? (() => new Date());

  return {
    /** A session on a version of a form with its first answers; the token for the cookie. */
    async start(input: { formId: string; versionId: string; answers: Answers; pending?: PendingAnswer; account?: SessionAccount; lifetimeSeconds?: number }): Promise<string> {
      const now = clock();
      await store.removeExpired(now.toISOString());
      const token = randomBytes(32).toString('base64url');
      await store.insert({
        id_hash: sessionKeyOf(token),
        form_id: input.formId,
        version_id: input.versionId,
        answers: JSON.stringify(input.answers),
        submission_id: null,
        pending: input.pending ? JSON.stringify(input.pending) : null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        expires_at: new Date(now.getTime() + (input.lifetimeSeconds ?? RUNNER_SESSION_SECONDS) * 1000).toISOString(),
        account_subject: input.account?.subject ?? null,
        account_level: input.account?.level ?? null,
        account_email: input.account?.email ?? null,
        account_phone: input.account?.phone ?? null,
      });
      return token;
    },

    /**
     * For a person who just signed in: their saved answers to the form (the session moves to this
     * browser under a new token), or a new session on `versionId`. The token for the cookie.
     */
    async resume(input: { formId: string; versionId: string; account: SessionAccount; lifetimeSeconds: number }): Promise<{ token: string; resumed: boolean }> {
      const now = clock().toISOString();
      const saved = await store.findSavedOf({ formId: input.formId, subject: input.account.subject, now });
      if (saved) {
        const token = randomBytes(32).toString('base64url');
        const { level, email, phone } = input.account;
        if (await store.rebind({ idHash: saved.id_hash, newIdHash: sessionKeyOf(token), level, email, phone: phone ?? null, at: now })) return { token, resumed: true };
      }
      return { token: await this.start({ ...input, answers: {} }), resumed: false };
    },

    /** The person's session on this form, if their token names one that is live. */
    async find(token: string | undefined, formId: string): Promise<RunnerSession | undefined> {
      if (!token || token.length > 100) return undefined;
      const row = await store.findLive(sessionKeyOf(token), clock().toISOString());
      if (!row || row.form_id !== formId) return undefined;
      return {
        idHash: row.id_hash,
        formId: row.form_id,
        versionId: row.version_id,
        answers: JSON.parse(row.answers) as Answers,
        submissionId: row.submission_id,
        expiresAt: row.expires_at,
        ...(row.pending ? { pending: JSON.parse(row.pending) as PendingAnswer } : {}),
        ...(row.account_subject
          ? { account: { subject: row.account_subject, level: row.account_level ?? '', email: row.account_email ?? '', ...(row.account_phone ? { phone: row.account_phone } : {}) } }
          : {}),
      };
    },

    setPending: (session: RunnerSession, pending: PendingAnswer | null) =>
      store.setPending({ idHash: session.idHash, pending: pending ? JSON.stringify(pending) : null, at: clock().toISOString() }),

    saveAnswers: (session: RunnerSession, answers: Answers) => store.saveAnswers({ idHash: session.idHash, answers: JSON.stringify(answers), at: clock().toISOString() }),
  };
}

export type RunnerSessions = ReturnType<typeof createRunnerSessions>;
