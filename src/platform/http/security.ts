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
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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

  await app.register(fastifyCookie, { secret: config.COOKIE_SECRET });
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
