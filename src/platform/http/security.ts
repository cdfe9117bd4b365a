import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.schema.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Set `false` on routes that browsers cannot be tricked into calling with the person's
     * cookies (APIs authenticated by a bearer token or a client assertion). Every other POST,
     * PUT, PATCH and DELETE must carry the CSRF token.
     */
    csrf?: boolean;
    /**
     * Set on routes whose paths carry personal references past their first segments: the
     * request log keeps only this many segments of the path.
     */
    loggedPathSegments?: number;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ONE_YEAR_HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Route config for JSON API routes: helmet builds the pages' headers (a CSP with fresh nonces,
 * and more) afresh on every request, a noticeable share of a small JSON request's cost, and no
 * page is ever shown from an API. Such routes send `apiSecurityHeaders` instead.
 */
export const JSON_API_ROUTE_CONFIG = { helmet: { skipRoute: true } } as const;

/** The fixed headers of a JSON API response: nothing in it may run, be framed or be cached. */
export function apiSecurityHeaders(config: Pick<Config, 'BASE_URL'>): Readonly<Record<string, string>> {
  return {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    ...(usesHttps(config) ? { 'strict-transport-security': ONE_YEAR_HSTS } : {}),
  };
}

export function usesHttps(config: Pick<Config, 'BASE_URL'>): boolean {
  return config.BASE_URL.startsWith('https://');
}

export async function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  const https = usesHttps(config);

  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: https ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });

  // Every cookie set or cleared is Secure over https unless its route says otherwise, so no
  // module can forget it (a clearCookie without the options it was set with, say).
  await app.register(fastifyCookie, { secret: config.COOKIE_SECRET, parseOptions: { secure: https } });
  await app.register(fastifyFormbody, { bodyLimit: 1024 * 1024 });
  await app.register(fastifyCsrf, {
    // The __Host- prefix pins the cookie to this origin; browsers only accept it over https.
    cookieKey: https ? '__Host-civitas_csrf' : 'civitas_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: https, signed: true },
    getToken: (request) => (request.body as Record<string, unknown> | undefined)?._csrf as string,
  });

  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method) || request.routeOptions.config.csrf === false) {
      done();
      return;
    }
    app.csrfProtection(request, reply, done);
  });
}
