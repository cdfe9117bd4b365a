import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PageContext } from '../../../../platform/http/views.ts';
import type { JobQueue } from '../../../../platform/jobs/job-queue.ts';
import { METHOD_SETTLING_DAYS, type SigningKeyAdmin } from '../../../identity/identity.contract.ts';
import type { Operators } from '../../operators/operators.ts';
import type { Organisations } from '../../organisations/organisations.ts';
import type { ConsoleSession, ConsoleSessions } from '../../sessions/console-sessions.ts';
import { registerAuditPages } from './audit.routes.ts';
import { registerJobPages } from './jobs.routes.ts';
import { registerOperatorPeoplePages } from './operator-people.routes.ts';
import { registerPlatformPages } from './platform.routes.ts';

export const OPERATOR_BASE = '/console/operator';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Where a sign-in asked for by this route returns to, when not to the route itself (a POST with no page of its own). */
    consoleReturnTo?: string;
  }
}
export const OPERATOR_VIEWS = 'modules/console/pages/operators';

/** What the console's own pages lend the operators' pages. */
export type OperatorPageDependencies = {
  operators: Operators;
  organisations: Organisations;
  sessions: ConsoleSessions;
  signingKeys: SigningKeyAdmin;
  jobs: JobQueue;
  clock: () => Date;
  chrome(request: FastifyRequest, pageTitle: string, context?: Record<string, unknown>): PageContext;
  sessionOf(request: FastifyRequest): ConsoleSession;
  sendToSignIn(reply: FastifyReply, returnTo: string, recent?: boolean): FastifyReply;
};

/** The success banner of a page after its POST redirected back to it (`?done=...`), if the key names one. */
export function doneBanner(request: FastifyRequest, done: string | undefined, known: readonly string[]): string | undefined {
  return done && known.includes(done) ? request.t(`console.operator.done.${done}`) : undefined;
}
export type Done = { done?: string };
export const doneQuery = { type: 'object', properties: { done: { type: 'string', maxLength: 40 } } } as const;

/**
 * The page an operator gets in place of any operator page when their One Login has text messages
 * only (add a stronger method), or when they signed in this time by text message (sign in again with it).
 */
export function refuseWithoutStrongMethod(
  request: FastifyRequest,
  reply: FastifyReply,
  chrome: OperatorPageDependencies['chrome'],
  standing: 'weak-method' | 'new-method' | 'weak-sign-in',
): FastifyReply {
  if (standing === 'new-method') {
    return reply.code(403).render('modules/console/pages/message.njk', chrome(request, request.t('console.operator.newMethod.title'), {
      paragraphs: [request.t('console.operator.newMethod.body', { days: String(METHOD_SETTLING_DAYS) }), request.t('console.operator.newMethod.then')],
      link: { href: '/account', text: request.t('console.operator.strongMethod.link') },
    }));
  }
  if (standing === 'weak-sign-in') {
    const returnTo = (request.url.split('?')[0] as string).slice(0, 200);
    return reply.code(403).render('modules/console/pages/message.njk', chrome(request, request.t('console.operator.strongSignIn.title'), {
      paragraphs: [request.t('console.operator.strongSignIn.body')],
      link: { href: `/console/sign-in?${new URLSearchParams({ return: returnTo, recent: 'now' })}`, text: request.t('console.operator.strongSignIn.link') },
    }));
  }
  return reply.code(403).render('modules/console/pages/message.njk', chrome(request, request.t('console.operator.strongMethod.title'), {
    paragraphs: [request.t('console.operator.strongMethod.body'), request.t('console.operator.strongMethod.then')],
    link: { href: '/account', text: request.t('console.operator.strongMethod.link') },
  }));
}

/**
 * The gate of every operator page, the console's and other modules' (through team access): answers
 * the request (sign in, 404, a page saying why not) and returns the reply, or lets the operator in.
 */
export async function admitOperator(
  request: FastifyRequest,
  reply: FastifyReply,
  dependencies: Pick<OperatorPageDependencies, 'operators' | 'sessions' | 'chrome' | 'sendToSignIn'>,
  session: ConsoleSession | undefined,
): Promise<FastifyReply | undefined> {
  const { operators, sessions, chrome, sendToSignIn } = dependencies;
  const path = request.url.split('?')[0] as string;
  if (!session) return sendToSignIn(reply, path);
  const standing = await operators.standingOf(session);
  if (standing === 'not-operator') {
    reply.callNotFound();
    return reply;
  }
  if (standing !== 'operator') return refuseWithoutStrongMethod(request, reply, chrome, standing);
  const { consoleRecentSignIn, consoleReturnTo } = request.routeOptions.config;
  if (consoleRecentSignIn && !sessions.signedInRecently(session)) return sendToSignIn(reply, consoleReturnTo ?? path, true);
  return undefined;
}

/**
 * The operators' pages under /console/operator, in a context of their own whose hook lets in only
 * operators whose One Login account has a passkey or an authenticator app: a signed-out person is
 * sent to sign in, anyone else who is not an operator gets the console's 404, and an operator with
 * text messages only gets a page telling them to add a stronger method. Pages that change who
 * operates or the signing keys ask for a sign-in in the last 15 minutes (`consoleRecentSignIn`).
 */
export async function registerOperatorPages(app: FastifyInstance, dependencies: OperatorPageDependencies): Promise<void> {
  await app.register(async (pages) => {
    pages.addHook('preHandler', (request, reply) => admitOperator(request, reply, dependencies, request.consoleSession));
    registerPlatformPages(pages, dependencies);
    registerAuditPages(pages, dependencies);
    registerJobPages(pages, dependencies);
    registerOperatorPeoplePages(pages, dependencies);
  });
}
