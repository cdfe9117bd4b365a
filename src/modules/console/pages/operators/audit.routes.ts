import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../../organisations/organisations.ts';
import { AUDIT_PAGE_SIZE, findLastVerification, showAuditEvent, verifyAuditTrailFor } from '../../operators/audit-trail-view.ts';
import { doneBanner, OPERATOR_BASE, OPERATOR_VIEWS, type OperatorPageDependencies } from './operator.routes.ts';

type AuditQuery = { actor?: string; action?: string; from?: string; to?: string; before?: number; after?: number; done?: string };
/** Lengths are a backstop only: the page states its own limits as field errors. */
const auditQuery = {
  type: 'object',
  properties: {
    actor: { type: 'string', maxLength: 10_000 },
    action: { type: 'string', maxLength: 10_000 },
    from: { type: 'string', maxLength: 10_000 },
    to: { type: 'string', maxLength: 10_000 },
    before: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
    after: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    done: { type: 'string', maxLength: 40 },
  },
} as const;
const ACTOR_LIMIT = 300;
const ACTION = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const ACTION_LIMIT = 120;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The start of the day a YYYY-MM-DD date names (UTC), or undefined if it names none. */
function startOfDay(text: string): Date | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const date = new Date(`${text}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? undefined : date;
}

type Field = 'actor' | 'action' | 'from' | 'to';
type Filters = { actor?: string; action?: string; from?: string; to?: string };

/** The filters the form holds, checked: what to search for, and a field error for each value refused. */
function readFilters(request: FastifyRequest, query: AuditQuery): { filters: Filters; errors: Partial<Record<Field, string>> } {
  const errors: Partial<Record<Field, string>> = {};
  const filters: Filters = {};
  const actor = query.actor?.trim();
  if (actor) {
    if (actor.length > ACTOR_LIMIT) errors.actor = request.t('console.operator.audit.actorTooLong', { limit: ACTOR_LIMIT });
    else filters.actor = actor;
  }
  const action = query.action?.trim();
  if (action) {
    if (action.length > ACTION_LIMIT || !ACTION.test(action)) errors.action = request.t('console.operator.audit.actionInvalid', { limit: ACTION_LIMIT });
    else filters.action = action;
  }
  const from = query.from?.trim();
  const fromDay = from ? startOfDay(from) : undefined;
  if (from && !fromDay) errors.from = request.t('console.operator.audit.dateInvalid');
  if (fromDay) filters.from = fromDay.toISOString();
  const to = query.to?.trim();
  const toDay = to ? startOfDay(to) : undefined;
  if (to && !toDay) errors.to = request.t('console.operator.audit.dateInvalid');
  if (toDay) filters.to = new Date(toDay.getTime() + DAY_MS).toISOString();
  if (fromDay && toDay && toDay < fromDay) errors.to = request.t('console.operator.audit.toBeforeFrom');
  return { filters, errors };
}

/** The audit trail: search by actor, action and days, a page at a time, and verify it whole. */
export function registerAuditPages(pages: FastifyInstance, dependencies: OperatorPageDependencies): void {
  const { chrome, sessionOf } = dependencies;

  pages.get<{ Querystring: AuditQuery }>(`${OPERATOR_BASE}/audit`, { schema: { querystring: auditQuery } }, async (request, reply) => {
    const { audit } = request.server;
    const { query } = request;
    const { filters, errors } = readFilters(request, query);
    const refused = Object.keys(errors).length > 0;
    const page = refused
      ? []
      : await audit.search({ ...filters, limit: AUDIT_PAGE_SIZE + 1, ...(query.after === undefined ? {} : { after: query.after }), ...(query.before === undefined ? {} : { before: query.before }) });
    // One more than a page is asked for, to know whether there is a page beyond it.
    const more = page.length > AUDIT_PAGE_SIZE;
    const events = query.after === undefined ? page.slice(0, AUDIT_PAGE_SIZE) : page.slice(-AUDIT_PAGE_SIZE);
    const searched = new URLSearchParams(Object.entries({ actor: query.actor, action: query.action, from: query.from, to: query.to }).filter((entry): entry is [string, string] => Boolean(entry[1])));
    const link = (cursor: Record<string, number>) => `${OPERATOR_BASE}/audit?${new URLSearchParams([...searched, ...Object.entries(cursor).map(([name, value]): [string, string] => [name, String(value)])])}`;
    const first = events[0];
    const last = events.at(-1);
    const olderExists = query.after === undefined ? more : true;
    const newerExists = query.after !== undefined ? more : query.before !== undefined;
    const verification = await findLastVerification(audit);
    return reply.code(refused ? 400 : 200).render(`${OPERATOR_VIEWS}/audit.njk`, chrome(request, request.t('console.operator.audit.title'), {
      backLink: OPERATOR_BASE,
      done: doneBanner(request, query.done, ['verified']),
      values: query,
      fieldErrors: errors,
      errors: (Object.entries(errors) as Array<[Field, string]>).map(([field, text]) => ({ text, href: `#${field}` })),
      events: events.map(showAuditEvent),
      previous: newerExists && first ? { href: link({ after: first.sequence }) } : undefined,
      next: olderExists && last ? { href: link({ before: last.sequence }) } : undefined,
      verification: verification && {
        at: verification.occurredAt,
        intact: verification.details?.intact === true,
        text: verification.details?.intact === true
          ? request.t('console.operator.audit.intact', { count: Number(verification.details.eventCount ?? 0) })
          : request.t('console.operator.audit.broken', { sequence: Number(verification.details?.brokenAt ?? 0), reason: String(verification.details?.reason ?? '') }),
      },
    }));
  });

  pages.post(`${OPERATOR_BASE}/audit/verify`, async (request, reply) => {
    await verifyAuditTrailFor(request.server.audit, actorOf(sessionOf(request)));
    return reply.redirect(`${OPERATOR_BASE}/audit?done=verified`, 303);
  });
}
