import type { FastifyInstance } from 'fastify';
import type { InternalSignIn } from '../../identity/identity.contract.ts';

const VIEWS = 'modules/demo-service/pages';
const SESSION_COOKIE = 'demo_service_session';

type DemoSession = { email: string; phoneNumber?: string; idToken: string; level: string };

/**
 * An example service that signs people in through Civitas One Login with openid-client, exactly
 * as a department's service would: authorization code, PKCE, private_key_jwt, then userinfo.
 */
export function registerDemoServicePages(app: FastifyInstance, signIn: InternalSignIn): void {
  const secure = app.config.BASE_URL.startsWith('https://');
  const page = (request: { t: (key: string) => string }, titleKey: string, context: Record<string, unknown> = {}) => ({
    pageTitle: request.t(titleKey),
    serviceName: request.t('demo-service.name'),
    serviceUrl: '/demo-service',
    ...context,
  });

  app.get('/demo-service', async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    const session = unsigned?.valid && unsigned.value ? (JSON.parse(unsigned.value) as DemoSession) : undefined;
    return reply.render(`${VIEWS}/demo-service.njk`, page(request, 'demo-service.title', { session }));
  });

  app.get('/demo-service/sign-in', async (request, reply) => reply.redirect(await signIn.start(reply, { locale: request.locale }), 303));

  app.get('/demo-service/callback', async (request, reply) => {
    try {
      const person = await signIn.finish(request, reply);
      if (!person) return reply.redirect('/demo-service', 303);
      const session: DemoSession = { email: person.email, phoneNumber: person.phoneNumber, idToken: person.idToken, level: person.level };
      reply.setCookie(SESSION_COOKIE, JSON.stringify(session), { path: '/demo-service', httpOnly: true, sameSite: 'lax', secure, signed: true });
      return reply.redirect('/demo-service', 303);
    } catch (error) {
      request.log.warn({ err: error }, 'demo service sign-in failed');
      return reply.render(`${VIEWS}/demo-service.njk`, page(request, 'demo-service.failedTitle', { failed: true }));
    }
  });

  app.get('/demo-service/sign-out', async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    reply.clearCookie(SESSION_COOKIE, { path: '/demo-service' });
    if (!unsigned?.valid || !unsigned.value) return reply.redirect('/demo-service', 303);
    const { idToken } = JSON.parse(unsigned.value) as DemoSession;
    return reply.redirect(await signIn.signOutUrl(idToken), 303);
  });

  app.get('/demo-service/signed-out', async (request, reply) =>
    reply.render(`${VIEWS}/demo-service.njk`, page(request, 'demo-service.signedOutTitle', { signedOut: true })),
  );
}
