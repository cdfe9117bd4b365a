import { randomUUID } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import type { JobQueue } from '../../../platform/jobs/job-queue.ts';
import { createAnswerFileStore } from '../files/answer-file.store.ts';
import type { Answers, FileAnswer } from '../runner/answers.ts';
import { createRunnerSessionStore } from '../runner/runner-session.store.ts';
import type { RunnerSession } from '../runner/runner-sessions.ts';
import type { FormDefinition, Language } from '../definition/form-definition.ts';
import { describeAnswer } from '../runner/answer-display.ts';
import { createReferenceNumber } from './reference-number.ts';
import { createSubmissionStore, type SubmissionSearch } from './submission.store.ts';
import { english } from './submission-email.ts';

export const DELIVER_SUBMISSION_JOB = 'forms.deliver-submission';
export const CONFIRM_SUBMISSION_JOB = 'forms.confirm-submission';
export const SEND_WEBHOOK_JOB = 'forms.send-webhook';
/** A reference collides once in about 10^9 submissions at 6 random characters; a few tries are plenty. */
const ATTEMPTS = 3;

/**
 * Submissions: each session submits once. The submission, its reference, the session marked
 * submitted and the delivery job are written in one transaction, so a crash leaves all or none;
 * a second POST (a double click, a replay) finds the first submission and its reference.
 */
export function createSubmissions(dependencies: { db: Database; jobs: JobQueue; clock?: () => Date }) {
  const { db, jobs } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  async function submitOnce(input: SubmitInput): Promise<{ reference: string; created: boolean }> {
    return db.transaction().execute(async (transaction) => {
      const submissions = createSubmissionStore(transaction);
      const existing = await submissions.findBySession(input.session.idHash);
      if (existing) return { reference: existing.reference, created: false };
      const id = randomUUID();
      if (!(await createRunnerSessionStore(transaction).markSubmitted(input.session.idHash, id))) throw new AlreadySubmitted();
      const reference = createReferenceNumber(input.referenceFormat);
      const now = clock();
      const expiresAt = new Date(now.getTime() + input.retentionDays * DAY_MS).toISOString();
      await submissions.insert({
        id,
        reference,
        form_id: input.session.formId,
        version_id: input.session.versionId,
        session_hash: input.session.idHash,
        answers: JSON.stringify(input.answers),
        created_at: now.toISOString(),
        delivered_at: null,
        expires_at: expiresAt,
        payment_reference: input.payment?.reference ?? null,
        pay_payment_id: input.payment?.payPaymentId ?? null,
        payment_amount: input.payment?.amount ?? null,
        done_at: null,
        done_by: null,
        search_text: composeSearchText(input.definition, input.answers),
      });
      await createAnswerFileStore(transaction).attachToSubmission({
        ids: filesIn(input.answers).map((file) => file.fileId),
        formId: input.session.formId,
        submissionId: id,
        expiresAt,
      });
      await jobs.enqueue(transaction, { type: DELIVER_SUBMISSION_JOB, payload: { submissionId: id } });
      await jobs.enqueue(transaction, { type: CONFIRM_SUBMISSION_JOB, payload: { submissionId: id, language: input.language } });
      if (input.sendWebhook) await jobs.enqueue(transaction, { type: SEND_WEBHOOK_JOB, payload: { submissionId: id } });
      return { reference, created: true };
    });
  }

  return {
    async submit(input: SubmitInput): Promise<{ reference: string; created: boolean }> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await submitOnce(input);
        } catch (error) {
          // Another request submitted the session first, or a reference collided: look again.
          if (!(error instanceof AlreadySubmitted || isUniqueViolation(error)) || attempt >= ATTEMPTS) throw error;
        }
      }
    },

    findBySession: (session: RunnerSession) => createSubmissionStore(db).findBySession(session.idHash),

    listForForm: (formId: string) => createSubmissionStore(db).listForForm(formId),
    find: (id: string) => createSubmissionStore(db).find(id),
    /** A page of the team's search of a form's submissions, newest first, and how many match. */
    search: (search: SubmissionSearch) => createSubmissionStore(db).search(search),
    /** The submissions that match, oldest first, `batch` at a time: for a download of any size. */
    async *eachMatching(search: Omit<SubmissionSearch, 'offset' | 'limit'>, batch = 200) {
      let after: { createdAt: string; id: string } | undefined;
      for (;;) {
        const rows = await createSubmissionStore(db).listMatchingAfter({ ...search, after, limit: batch });
        yield* rows;
        const last = rows.at(-1);
        if (!last || rows.length < batch) return;
        after = { createdAt: last.created_at, id: last.id };
      }
    },
    /** Marks a submission done or new again; false when it already was (or is not this form's). */
    mark: (input: { id: string; formId: string; done: boolean; by: string }) => createSubmissionStore(db).markDone({ ...input, at: clock().toISOString() }),
  };
}

class AlreadySubmitted extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The payment that paid for a submission, as Pay confirmed it. */
export type SubmissionPayment = { reference: string; payPaymentId: string; amount: number };

export type SubmitInput = {
  session: RunnerSession;
  /** The version's definition the answers are to, for the team's search of them. */
  definition: FormDefinition;
  answers: Answers;
  referenceFormat: string;
  retentionDays: number;
  language: Language;
  sendWebhook: boolean;
  payment?: SubmissionPayment;
};

/** What the team's search looks in: every answer as the team reads it (in English), in lower case, one a line. */
export function composeSearchText(definition: FormDefinition, answers: Answers): string {
  return definition.pages
    .flatMap((page) => (answers[page.id]?.values ?? []).flatMap((value) => describeAnswer(page, value, 'en', english)))
    .join('\n')
    .toLowerCase();
}

/** The files among the answers. */
export function filesIn(answers: Answers): FileAnswer[] {
  return Object.values(answers).flatMap((answer) => answer.values.filter((value): value is FileAnswer => typeof value === 'object' && value !== null && 'fileId' in value));
}

export type Submissions = ReturnType<typeof createSubmissions>;
