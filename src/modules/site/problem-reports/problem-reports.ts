import { randomUUID } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { createProblemReportStore, type ProblemReportRow } from './problem-report.store.ts';

/** The longest answer to each question, in characters; each page states its limit. */
export const PROBLEM_REPORT_LIMITS = {
  whatDoing: 1000,
  whatWentWrong: 3000,
  /** As RFC 5321 allows an address to be. */
  email: 254,
  page: 500,
} as const;

/** Reports one client address (IPv6 by /64) may send in a window: enough for a busy office behind one address. */
export const REPORTS_PER_ADDRESS = { max: 20, windowSeconds: 60 * 60 } as const;

/** How long a report is kept; the privacy notice says so. */
export const REPORT_RETENTION_DAYS = 90;

export type ProblemReportFields = { whatDoing: string; whatWentWrong: string; email: string; page: string };
export type ProblemReportField = keyof Omit<ProblemReportFields, 'page'>;
export type ProblemReportFault = { field: ProblemReportField; fault: 'missing' | 'tooLong' | 'notAnEmailAddress' };

const characters = (text: string) => [...text].length;

/** A path of this site to name the page a report is about; anything else is left out, not refused. */
export function pageOfReport(page: unknown): string | null {
  if (typeof page !== 'string' || characters(page) > PROBLEM_REPORT_LIMITS.page) return null;
  return /^\/(?![/\\])[^\s<>"]*$/.test(page) ? page : null;
}

/** What is wrong with the answers, each on its field, in the order the page asks them. */
export function checkProblemReport(fields: ProblemReportFields): ProblemReportFault[] {
  const faults: ProblemReportFault[] = [];
  if (characters(fields.whatDoing) > PROBLEM_REPORT_LIMITS.whatDoing) faults.push({ field: 'whatDoing', fault: 'tooLong' });
  if (fields.whatWentWrong === '') faults.push({ field: 'whatWentWrong', fault: 'missing' });
  else if (characters(fields.whatWentWrong) > PROBLEM_REPORT_LIMITS.whatWentWrong) faults.push({ field: 'whatWentWrong', fault: 'tooLong' });
  if (characters(fields.email) > PROBLEM_REPORT_LIMITS.email) faults.push({ field: 'email', fault: 'tooLong' });
  else if (fields.email !== '' && !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(fields.email)) faults.push({ field: 'email', fault: 'notAnEmailAddress' });
  return faults;
}

export type ProblemReport = {
  id: string;
  page: string | null;
  whatDoing: string;
  whatWentWrong: string;
  email: string | null;
  language: Locale;
  createdAt: string;
};

function toReport(row: ProblemReportRow): ProblemReport {
  return {
    id: row.id,
    page: row.page,
    whatDoing: row.what_doing,
    whatWentWrong: row.what_went_wrong,
    email: row.email,
    language: row.language as Locale,
    createdAt: row.created_at,
  };
}

export type SendOutcome = { sent: true; id: string } | { sent: false; retryAfterSeconds: number };

/**
 * Keeps the problems people report. Each report is counted against its client address in the
 * same transaction that stores it, so reports sent all at once cannot slip past the limit; after
 * each, the counters whose window is over and the reports past their time are removed.
 */
export function createProblemReports(dependencies: { db: Database; clock?: () => Date }) {
  const { db } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  return {
    /** Stores a report whose answers `checkProblemReport` found nothing wrong with. */
    async send(input: { addressKey: string; fields: ProblemReportFields; language: Locale }): Promise<SendOutcome> {
      const now = clock();
      const windowStart = new Date(now.getTime() - REPORTS_PER_ADDRESS.windowSeconds * 1000);
      const outcome = await db.transaction().execute(async (transaction): Promise<SendOutcome> => {
        const store = createProblemReportStore(transaction);
        const claimed = await store.claimCounter(input.addressKey, now.toISOString());
        const counter = Date.parse(claimed.window_started_at) <= windowStart.getTime() ? { ...claimed, reports: 0, window_started_at: now.toISOString() } : claimed;
        if (counter.reports >= REPORTS_PER_ADDRESS.max) {
          const windowEnds = Date.parse(counter.window_started_at) + REPORTS_PER_ADDRESS.windowSeconds * 1000;
          return { sent: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEnds - now.getTime()) / 1000)) };
        }
        await store.saveCounter({ ...counter, reports: counter.reports + 1 });
        const id = randomUUID();
        const { fields } = input;
        await store.insert({
          id,
          page: pageOfReport(fields.page),
          what_doing: fields.whatDoing,
          what_went_wrong: fields.whatWentWrong,
          email: fields.email === '' ? null : fields.email,
          language: input.language,
          created_at: now.toISOString(),
        });
        return { sent: true, id };
      });
      // Outside the transaction, so it never waits on another address's counter while holding its own.
      const store = createProblemReportStore(db);
      await store.removeCountersStartedBefore(windowStart.toISOString());
      await store.removeCreatedBefore(new Date(now.getTime() - REPORT_RETENTION_DAYS * 24 * 60 * 60 * 1000).toISOString());
      return outcome;
    },

    async listRecent(limit: number): Promise<ProblemReport[]> {
      return (await createProblemReportStore(db).listRecent(limit)).map(toReport);
    },
  };
}

export type ProblemReports = ReturnType<typeof createProblemReports>;
