import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { secretBoxesOf } from '../../../platform/secrets/secret-box.ts';
import { createSigningKeyAdmin, findSecurityMethodsOf, registerBackchannelLogout, type InternalRelyingParty, type InternalSignIn } from '../../identity/identity.contract.ts';
import type { Organisations } from '../organisations/organisations.ts';
import type { OrganisationRow } from '../organisations/organisation.store.ts';
import type { Onboarding } from '../onboarding/onboarding.ts';
import { createOperators } from '../operators/operators.ts';
import { readMultipartForm } from '../../../platform/http/multipart-form.ts';
import { admitOperator, OPERATOR_BASE, refuseWithoutStrongMethod, registerOperatorPages } from './operators/operator.routes.ts';
import { FORM_UPLOAD_LIMIT, registerBuilderPages, type OnboardingPageDependencies } from './onboarding.routes.ts';
import { registerMemberPages, registerOwnerPages, type OrganisationPageDependencies } from './organisation.routes.ts';
import { CONSOLE_SESSION_SECONDS, RECENT_SIGN_IN_SECONDS, type ConsoleSession, type ConsoleSessions } from '../sessions/console-sessions.ts';

const VIEWS = 'modules/console/pages';
export const SESSION_COOKIE = 'console_session';
const RETURN_COOKIE = 'console_return';
export const BACKCHANNEL_LOGOUT_PATH = '/console/backchannel-logout';
/** Where the console may send a person back to after sign-in: its own pages only. */
const CONSOLE_PATH = /^\/console(?:\/[A-Za-z0-9_-]{1,100}){0,6}$/;

type ConsoleRole = 'owner' | 'developer' | 'viewer' | 'operator';
export type OrganisationAccess = { organisation: OrganisationRow; role: ConsoleRole };

declare module 'fastify' {
  interface FastifyRequest {
    /** The person signed in to the console, on the console's pages. */
    consoleSession?: ConsoleSession;
    /** The organisation of the page and the signed-in person's role in it. */
    consoleAccess?: OrganisationAccess;
    /** Whether the signed-in person is an operator (the service navigation then links to the operators' pages). */
    consoleOperator?: boolean;
  }
  interface FastifyContextConfig {
    /** The page adds members or changes roles: it needs a sign-in in the last 15 minutes. */
    consoleRecentSignIn?: boolean;
  }
}


function accessOf(request: FastifyRequest): OrganisationAccess {
  if (!request.consoleAccess) throw new Error('organisation page reached without its organisation');
  return request.consoleAccess;
}

/** Operators' service navigation: the console's start page and the operators' pages. */
export function operatorNavigation(request: FastifyRequest) {
  const path = request.url.split('?')[0] as string;
  const inOperatorPages = path === OPERATOR_BASE || path.startsWith(`${OPERATOR_BASE}/`);
  return [
    { href: '/console', text: request.t('console.operator.navigation.organisations'), active: !inOperatorPages },
    { href: OPERATOR_BASE, text: request.t('console.operator.navigation.operator'), active: inOperatorPages },
  ];
}

function sessionOf(request: FastifyRequest): ConsoleSession {
  if (!request.consoleSession) throw new Error('signed-in page reached without a session');
  return request.consoleSession;
}

/**
 * The console: service teams and operators sign in through Civitas One Login (an internal relying
 * party, as the demo service is), at Cl.Cm. Pages for an organisation sit in a child context
 * whose hook lets in only its members (and operators); owner pages in a child of that whose
 * hook lets in only owners, and asks for a recent sign-in where the page says so.
 */
export async function registerConsolePages(
  app: FastifyInstance,
  dependencies: {
    signIn: InternalSignIn;
    sessions: ConsoleSessions;
    organisations: Organisations;
    onboarding: Onboarding;
    /** The console's own client of One Login (operators' security methods are looked up by its subjects), and the module's clock. */
    operatorAccess: { relyingParty: InternalRelyingParty; clock?: () => Date };
  },
): Promise<OperatorGate> {
  const { signIn, sessions, organisations, onboarding, operatorAccess } = dependencies;
  const secure = app.config.BASE_URL.startsWith('https://');
  const cookieOptions = { path: '/console', httpOnly: true, sameSite: 'lax', secure } as const;

  const chrome = (request: FastifyRequest, pageTitle: string, context: Record<string, unknown> = {}) => ({
    pageTitle,
    serviceName: request.t('console.name'),
    serviceUrl: '/console',
    ...(request.consoleOperator ? { navigation: operatorNavigation(request) } : {}),
    ...context,
  });
  const onboardingPages: OnboardingPageDependencies = { organisations, onboarding, chrome, accessOf, sessionOf };
  const organisationPages: OrganisationPageDependencies = { organisations, chrome, accessOf, sessionOf, onboardingPages };
  const operators = createOperators({
    db: app.db,
    audit: app.audit,
    organisations,
    securityMethodsOf: (person) => findSecurityMethodsOf(app.db, { relyingParty: operatorAccess.relyingParty, subject: person.personKey, email: person.email }),
  });
  const roleName = (request: FastifyRequest, role: string) => request.t(`console.roles.${role}`);
  const typeName = (request: FastifyRequest, type: string) => request.t(`console.types.${type}`);

  function readSessionToken(request: FastifyRequest): string | undefined {
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return undefined;
    const unsigned = request.unsignCookie(cookie);
    return unsigned.valid && unsigned.value ? unsigned.value : undefined;
  }

  // The client form takes a key file: multipart forms are read whole, within a small limit, in
  // the console's context only (so no other module's routes accept them).
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: FORM_UPLOAD_LIMIT }, (request, body, done) => {
    readMultipartForm(String(request.headers['content-type']), body as Buffer).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });

  app.decorateRequest('consoleSession', undefined);
  app.decorateRequest('consoleAccess', undefined);
  app.decorateRequest('consoleOperator', undefined);
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(BACKCHANNEL_LOGOUT_PATH)) return;
    const token = readSessionToken(request);
    request.consoleSession = await sessions.find(token);
    if (request.cookies[SESSION_COOKIE] && !request.consoleSession) reply.clearCookie(SESSION_COOKIE, cookieOptions);
    if (request.consoleSession) request.consoleOperator = await organisations.isOperator(request.consoleSession);
  });

  /** Sends the browser through One Login, then back to `returnTo`; `recent`: One Login asks again unless it did in the last 15 minutes. */
  function sendToSignIn(reply: FastifyReply, returnTo: string, recent = false) {
    const query = new URLSearchParams({ return: returnTo, ...(recent ? { recent: '1' } : {}) });
    return reply.redirect(`/console/sign-in?${query}`, 303);
  }

  app.get('/console', async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return reply.render(`${VIEWS}/start.njk`, chrome(request, request.t('console.start.title')));
    // An operator without a passkey or an authenticator app sees only their own organisations.
    const operator = (await operators.standingOf(session)) === 'operator';
    const memberOf = await organisations.listOrganisationsOf(session.personKey);
    const mine = new Map(memberOf.map((row) => [row.id, row.role]));
    const listed = operator ? await organisations.listOrganisations() : memberOf;
    return reply.render(
      `${VIEWS}/start.njk`,
      chrome(request, request.t('console.start.title'), {
        session,
        operator,
        organisations: listed.map((row) => ({
          id: row.id,
          name: row.name,
          type: typeName(request, row.type),
          role: roleName(request, mine.get(row.id) ?? 'operator'),
        })),
      }),
    );
  });

  // `recent=1`: One Login asks again unless it did in the last 15 minutes; `recent=now`: it asks again
  // whatever (an operator who signed in by text message signs in with a stronger method).
  app.get<{ Querystring: { return?: string; recent?: string } }>(
    '/console/sign-in',
    { schema: { querystring: { type: 'object', properties: { return: { type: 'string', maxLength: 400 }, recent: { type: 'string', enum: ['1', 'now'] } } } } },
    async (request, reply) => {
      const returnTo = request.query.return;
      if (returnTo && CONSOLE_PATH.test(returnTo)) reply.setCookie(RETURN_COOKIE, returnTo, { ...cookieOptions, signed: true, maxAge: 3600 });
      else reply.clearCookie(RETURN_COOKIE, cookieOptions);
      const url = await signIn.start(reply, {
        locale: request.locale,
        level: 'Cl.Cm',
        ...(request.query.recent === '1' ? { maxAgeSeconds: RECENT_SIGN_IN_SECONDS } : request.query.recent === 'now' ? { maxAgeSeconds: 0 } : {}),
      });
      return reply.redirect(url, 303);
    },
  );

  app.get('/console/callback', async (request, reply) => {
    const failed = (key: string) =>
      reply.render(`${VIEWS}/start.njk`, chrome(request, request.t('console.failed.title'), { failed: request.t(key), backLink: '/console' }));
    let person: Awaited<ReturnType<InternalSignIn['finish']>>;
    try {
      person = await signIn.finish(request, reply);
    } catch (error) {
      request.log.warn({ err: error }, 'console sign-in failed');
      return failed('console.failed.body');
    }
    if (!person) return reply.redirect('/console', 303);
    if (person.level !== 'Cl.Cm') return failed('console.failed.level');
    // A sign-in starts a new session: whatever this browser had before ends (a change of person too).
    const previous = readSessionToken(request);
    if (previous) await sessions.end(previous);
    const token = await sessions.start(person);
    reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, signed: true, maxAge: CONSOLE_SESSION_SECONDS });
    const returnCookie = request.cookies[RETURN_COOKIE];
    const returnTo = returnCookie ? request.unsignCookie(returnCookie) : undefined;
    reply.clearCookie(RETURN_COOKIE, cookieOptions);
    const target = returnTo?.valid && returnTo.value && CONSOLE_PATH.test(returnTo.value) ? returnTo.value : '/console';
    return reply.redirect(target, 303);
  });

  app.post('/console/sign-out', async (request, reply) => {
    const token = readSessionToken(request);
    const session = request.consoleSession;
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    if (!token || !session) return reply.redirect('/console', 303);
    await sessions.end(token);
    return reply.redirect(await signIn.signOutUrl(session.idToken), 303);
  });

  app.get('/console/signed-out', async (request, reply) =>
    reply.render(`${VIEWS}/start.njk`, chrome(request, request.t('console.signedOut.title'), { signedOut: true })),
  );

  registerBackchannelLogout(app, { path: BACKCHANNEL_LOGOUT_PATH, service: 'console', signIn, endSessions: (logout) => sessions.endFor(logout) });

  // Invitations: the link signs the person in first, then shows what they are joining.
  const invitationParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
  const invitationMessage = (request: FastifyRequest, reply: FastifyReply, state: 'unknown' | 'used' | 'expired' | 'otherPerson', organisation = '') => {
    const status = state === 'unknown' ? 404 : state === 'otherPerson' ? 403 : 410;
    return reply.code(status).render(`${VIEWS}/message.njk`, chrome(request, request.t(`console.invitation.${state}Title`), {
      paragraphs: [request.t(`console.invitation.${state}`, { organisation, email: request.consoleSession?.email ?? '' })],
      link: { href: '/console', text: request.t('console.invitation.back') },
    }));
  };

  app.get<{ Params: { token: string } }>('/console/invitations/:token', { schema: { params: invitationParams } }, async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return sendToSignIn(reply, `/console/invitations/${request.params.token}`);
    const found = await organisations.describeInvitation(request.params.token);
    if (found.state === 'unknown') return invitationMessage(request, reply, 'unknown');
    if (found.state !== 'open') return invitationMessage(request, reply, found.state, found.organisationName);
    if (found.invitation.email !== session.email.trim().toLowerCase()) return invitationMessage(request, reply, 'otherPerson', found.organisationName);
    return reply.render(`${VIEWS}/invitation.njk`, chrome(request, request.t('console.invitation.title', { organisation: found.organisationName }), {
      body: request.t('console.invitation.body', { organisation: found.organisationName, role: roleName(request, found.invitation.role).toLowerCase() }),
      action: `/console/invitations/${request.params.token}`,
    }));
  });

  app.post<{ Params: { token: string } }>('/console/invitations/:token', { schema: { params: invitationParams } }, async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return sendToSignIn(reply, `/console/invitations/${request.params.token}`);
    const outcome = await organisations.acceptInvitation({ token: request.params.token, person: session });
    // Refused: the link's page says why (used, expired, someone else's).
    if (!outcome.accepted) return reply.redirect(`/console/invitations/${request.params.token}`, 303);
    return reply.redirect(`/console/organisations/${outcome.organisationId}`, 303);
  });

  // Everything of an organisation: signed-in members of it, and operators.
  await app.register(async (signedIn) => {
    signedIn.addHook('preHandler', async (request, reply) => {
      const session = request.consoleSession;
      if (!session) return sendToSignIn(reply, request.url.split('?')[0] as string);
      const { orgId } = request.params as { orgId: string };
      const membership = await organisations.findMembership(orgId, session.personKey);
      const organisation = await organisations.findOrganisation(orgId);
      if (!organisation) return reply.callNotFound();
      // Another organisation's pages are operators' pages: only for operators with a strong method.
      const standing = membership ? undefined : await operators.standingOf(session);
      if (standing === 'not-operator') return reply.callNotFound();
      if (standing !== undefined && standing !== 'operator') return refuseWithoutStrongMethod(request, reply, chrome, standing);
      request.consoleAccess = { organisation, role: (membership?.role ?? 'operator') as ConsoleRole };
    });
    registerMemberPages(signedIn, organisationPages);

    /** Lets in only the roles given; asks for a recent sign-in where the route says so. */
    const onlyFor = (roles: readonly ConsoleRole[]) => async (request: FastifyRequest, reply: FastifyReply) => {
      if (!roles.includes(accessOf(request).role)) {
        return reply.code(403).render(`${VIEWS}/message.njk`, chrome(request, request.t('console.forbidden.title'), {
          paragraphs: [request.t('console.forbidden.body')],
          link: { href: `/console/organisations/${accessOf(request).organisation.id}`, text: accessOf(request).organisation.name },
        }));
      }
      if (request.routeOptions.config.consoleRecentSignIn && !sessions.signedInRecently(sessionOf(request))) {
        return sendToSignIn(reply, request.url.split('?')[0] as string, true);
      }
    };
    await signedIn.register(async (owners) => {
      owners.addHook('preHandler', onlyFor(['owner']));
      registerOwnerPages(owners, organisationPages);
    });
    // Keys and clients: owners and developers.
    await signedIn.register(async (builders) => {
      builders.addHook('preHandler', onlyFor(['owner', 'developer']));
      registerBuilderPages(builders, onboardingPages);
    });
  });

  await registerOperatorPages(app, {
    operators,
    organisations,
    sessions,
    signingKeys: createSigningKeyAdmin({ db: app.db, secrets: secretBoxesOf(app.config) }),
    jobs: app.jobs,
    clock: operatorAccess.clock ?? (() => new Date()),
    chrome,
    sessionOf,
    sendToSignIn,
  });
  return (request, reply, session) => admitOperator(request, reply, { operators, sessions, chrome, sendToSignIn }, session);
}

/** Lets an operator in (undefined) or answers the request and returns the reply, as the operators' pages do. */
export type OperatorGate = (request: FastifyRequest, reply: FastifyReply, session: ConsoleSession | undefined) => Promise<FastifyReply | undefined>;
