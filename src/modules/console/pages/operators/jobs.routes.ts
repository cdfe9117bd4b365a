import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../organisations/organisations.ts';
import { hidePersonalData } from '../../operators/audit-trail-view.ts';
import { doneBanner, OPERATOR_BASE, OPERATOR_VIEWS, type OperatorPageDependencies } from './operator.routes.ts';

const JOBS_PAGE_SIZE = 50;
/** A job's last error as the page shows it: the start of it, with anything like an email address or phone number hidden. */
const ERROR_SHOWN = 300;
const jobParams = { type: 'object', required: ['jobId'], properties: { jobId: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const jobsQuery = { type: 'object', properties: { after: { type: 'string', maxLength: 64 }, done: { type: 'string', maxLength: 40 } } } as const;

/**
 * Failed jobs (no tries left), and putting them back in the queue, one or all: each job put back
 * is recorded in the audit trail, in the transaction that puts it back.
 */
export function registerJobPages(pages: FastifyInstance, dependencies: OperatorPageDependencies): void {
  const { jobs, chrome, sessionOf } = dependencies;

  pages.get<{ Querystring: { after?: string; done?: string } }>(`${OPERATOR_BASE}/jobs`, { schema: { querystring: jobsQuery } }, async (request, reply) => {
    const { after, done } = request.query;
    const page = await jobs.listFailed({ limit: JOBS_PAGE_SIZE + 1, ...(after === undefined ? {} : { afterId: after }) });
    const shown = page.slice(0, JOBS_PAGE_SIZE);
    return reply.render(`${OPERATOR_VIEWS}/jobs.njk`, chrome(request, request.t('console.operator.jobs.title'), {
      backLink: OPERATOR_BASE,
      done: doneBanner(request, done, ['retried', 'retried-all', 'not-retried']),
      // Nothing was done: told in the neutral banner, not the success one.
      doneType: done === 'not-retried' ? undefined : 'success',
      jobs: shown.map((job) => ({ ...job, lastError: job.lastError === null ? '' : hidePersonalData(job.lastError.slice(0, ERROR_SHOWN)) })),
      first: after === undefined ? undefined : { href: `${OPERATOR_BASE}/jobs` },
      next: page.length > JOBS_PAGE_SIZE ? { href: `${OPERATOR_BASE}/jobs?${new URLSearchParams({ after: shown.at(-1)?.id ?? '' })}` } : undefined,
    }));
  });

  pages.post<{ Params: { jobId: string } }>(`${OPERATOR_BASE}/jobs/:jobId/retry`, { schema: { params: jobParams } }, async (request, reply) => {
    const actor = actorOf(sessionOf(request));
    const { db, audit } = request.server;
    const retried = await db.transaction().execute(async (transaction) => {
      if (!(await jobs.retryFailed(request.params.jobId, transaction))) return false;
      await audit.record({ actor: actor.audit, action: 'console.job.retried', subject: `job:${request.params.jobId}`, outcome: 'success' }, transaction);
      return true;
    });
    return reply.redirect(`${OPERATOR_BASE}/jobs?done=${retried ? 'retried' : 'not-retried'}`, 303);
  });

  pages.post(`${OPERATOR_BASE}/jobs/retry-all`, async (request, reply) => {
    const actor = actorOf(sessionOf(request));
    const { db, audit } = request.server;
    await db.transaction().execute(async (transaction) => {
      for (const id of await jobs.retryAllFailed(transaction)) {
        await audit.record({ actor: actor.audit, action: 'console.job.retried', subject: `job:${id}`, outcome: 'success', details: { all: true } }, transaction);
      }
    });
    return reply.redirect(`${OPERATOR_BASE}/jobs?done=retried-all`, 303);
  });
}
