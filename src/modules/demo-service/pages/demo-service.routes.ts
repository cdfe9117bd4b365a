import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as oidc from 'openid-client';

const VIEWS = 'modules/demo-service/pages';
const PENDING_COOKIE = 'demo_service_pending';
const SESSION_COOKIE = 'demo_service_session';

type DemoSession = { email: string; phoneNumber?: string; idToken: string; level: string };

/**
 * An example service that signs people in through Civitas One Login with openid-client, exactly
 * as a department's service would: authorization code, PKCE, private_key_jwt, then userinfo.
 */
export function registerDemoServicePages(app: FastifyInstance, discover: () => Promise<oidc.Configuration>): void {
  const { BASE_URL: baseUrl } = app.config;
  const secure = baseUrl.startsWith('https://');
  function readSession(request: FastifyRequest): DemoSession | undefined {
    const cookie = request.cookies[SESSION_COOKIE];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    if (!unsigned?.valid || !unsigned.value) return undefined;
    try {
      return JSON.parse(unsigned.value) as DemoSession;
    } catch {
      return undefined;
    }
  }

  const cookieOptions = { path: '/demo-service', httpOnly: true, sameSite: 'lax' as const, secure, signed: true };

  app.get('/demo-service', async (request, reply) => {
    const session = readSession(request);
    return reply.render(`${VIEWS}/demo-service.njk`, { pageTitle: request.t('demo-service.title'), serviceName: request.t('demo-service.name'), serviceUrl: '/demo-service', session });
  });

  app.get('/demo-service/sign-in', async (request, reply: FastifyReply) => {
    const config = await discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    reply.setCookie(PENDING_COOKIE, JSON.stringify({ codeVerifier, state, nonce }), { ...cookieOptions, maxAge: 3600 });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${baseUrl}/demo-service/callback`,
      scope: 'openid email phone',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      vtr: '["Cl.Cm"]',
      ui_locales: request.locale,
    });
    return reply.redirect(url.toString(), 303);
  });

  app.get('/demo-service/callback', async (request, reply) => {
    const pendingCookie = request.cookies[PENDING_COOKIE];
    const pending = pendingCookie ? request.unsignCookie(pendingCookie) : undefined;
    if (!pending?.valid || !pending.value) return reply.redirect('/demo-service', 303);
    const { codeVerifier, state, nonce } = JSON.parse(pending.value) as { codeVerifier: string; state: string; nonce: string };
    reply.clearCookie(PENDING_COOKIE, { path: '/demo-service' });
    const config = await discover();
    try {
      const currentUrl = new URL(request.url, baseUrl);
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      const claims = tokens.claims();
      if (!claims) throw new Error('no ID token claims');
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      const session: DemoSession = {
        email: String(userinfo.email),
        ...(userinfo.phone_number ? { phoneNumber: String(userinfo.phone_number) } : {}),
        idToken: tokens.id_token as string,
        level: String(claims.vot),
      };
      reply.setCookie(SESSION_COOKIE, JSON.stringify(session), cookieOptions);
      return reply.redirect('/demo-service', 303);
    } catch (error) {
      request.log.warn({ err: error }, 'demo service sign-in failed');
      return reply.code(400).render(`${VIEWS}/demo-service.njk`, { pageTitle: request.t('demo-service.failedTitle'), serviceName: request.t('demo-service.name'), serviceUrl: '/demo-service', failed: true });
    }
  });

  app.get('/demo-service/sign-out', async (request, reply) => {
    const session = readSession(request);
    reply.clearCookie(SESSION_COOKIE, { path: '/demo-service' });
    if (!session) return reply.redirect('/demo-service', 303);
    const config = await discover();
    const url = oidc.buildEndSessionUrl(config, {
      id_token_hint: session.idToken,
      post_logout_redirect_uri: `${baseUrl}/demo-service/signed-out`,
      state: oidc.randomState(),
    });
    return reply.redirect(url.toString(), 303);
  });

  app.get('/demo-service/signed-out', async (request, reply) =>
    reply.render(`${VIEWS}/demo-service.njk`, { pageTitle: request.t('demo-service.signedOutTitle'), serviceName: request.t('demo-service.name'), serviceUrl: '/demo-service', signedOut: true }),
  );
}
