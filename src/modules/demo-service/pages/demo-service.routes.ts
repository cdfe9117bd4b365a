import type { FastifyInstance } from 'fastify';
import { registerBackchannelLogout, type InternalSignIn } from '../../identity/identity.contract.ts';
import { DEMO_SESSION_SECONDS, type DemoSessions } from '../sessions/demo-sessions.ts';

const VIEWS = 'modules/demo-service/pages';
const SESSION_COOKIE = 'demo_service_session';
export const BACKCHANNEL_LOGOUT_PATH = '/demo-service/backchannel-logout';

/**
 * An example service that signs people in through Civitas One Login with openid-client, exactly
 * as a department's service would: authorization code, PKCE, private_key_jwt, then userinfo. Its
 * sessions end after 8 hours, at sign-out, and when One Login sends a back-channel logout token
 * (signing out everywhere, deleting the account, signing out of another service).
 */
export function registerDemoServicePages(app: FastifyInstance, dependencies: { signIn: InternalSignIn; sessions: DemoSessions }): void {
  const { signIn, sessions } = dependencies;
  const cookieOptions = { path: '/demo-service', httpOnly: true, sameSite: 'lax', secure: app.config.BASE_URL.startsWith('https://') } as const;
  const page = (request: { t: (key: string) => string }, titleKey: string, context: Record<string, unknown> = {}) => ({
    pageTitle: request.t(titleKey),
    serviceName: request.t('demo-service.name'),
    serviceUrl: '/demo-service',
    ...context,
  });

  app.get('/demo-service', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = await sessions.find(token);
    if (token && !session) reply.clearCookie(SESSION_COOKIE, cookieOptions);
    // The level of sign-in in words, as a person would say it, not as its vector of trust ("Cl.Cm").
    const levelInWords = session ? request.t(session.level === 'Cl.Cm' ? 'demo-service.levels.passwordAndCode' : session.level === 'Cl' ? 'demo-service.levels.passwordOnly' : 'demo-service.levels.unknown') : undefined;
    return reply.render(`${VIEWS}/demo-service.njk`, page(request, 'demo-service.title', { session, levelInWords }));
  });

  app.get('/demo-service/sign-in', async (request, reply) => reply.redirect(await signIn.start(reply, { locale: request.locale }), 303));

  app.get('/demo-service/callback', async (request, reply) => {
    try {
      const person = await signIn.finish(request, reply);
      if (!person) return reply.redirect('/demo-service', 303);
      const token = await sessions.start(person);
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: DEMO_SESSION_SECONDS });
      return reply.redirect('/demo-service', 303);
    } catch (error) {
      request.log.warn({ err: error }, 'demo service sign-in failed');
      return reply.render(`${VIEWS}/demo-service.njk`, page(request, 'demo-service.failedTitle', { failed: true, backLink: '/demo-service' }));
    }
  });

  // Signing out is the page's form, posted with its CSRF token; a link to it only comes back here.
  app.get('/demo-service/sign-out', async (_request, reply) => reply.redirect('/demo-service', 303));

  app.post('/demo-service/sign-out', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = await sessions.find(token);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    if (!token || !session) return reply.redirect('/demo-service', 303);
    await sessions.end(token);
    return reply.redirect(await signIn.signOutUrl(session.idToken), 303);
  });

  app.get('/demo-service/signed-out', async (request, reply) =>
    reply.render(`${VIEWS}/demo-service.njk`, page(request, 'demo-service.signedOutTitle', { signedOut: true })),
  );

  registerBackchannelLogout(app, { path: BACKCHANNEL_LOGOUT_PATH, service: 'demo-service', signIn, endSessions: (logout) => sessions.endFor(logout) });
}
