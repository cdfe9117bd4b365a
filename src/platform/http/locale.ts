import type { FastifyInstance } from 'fastify';
import { isLocale, type Locale, type Translate } from './i18n.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The language of this request's pages: `?lang=` if given, else the remembered choice. */
    locale: Locale;
    /** Text in the request's language. */
    t: Translate;
  }
}

export const LANGUAGE_COOKIE = 'civitas_lang';
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** Picks each request's language and remembers a choice made with the language switch. */
export function registerLocale(
  app: FastifyInstance,
  options: { translations: Record<Locale, Translate>; secureCookies: boolean },
): void {
  app.decorateRequest('locale', 'en');
  app.decorateRequest('t', options.translations.en);
  // A callback hook, not an async one: it runs on every request, pages and APIs alike.
  app.addHook('onRequest', (request, reply, done) => {
    const chosen = (request.query as Record<string, unknown> | undefined)?.lang;
    const remembered = request.cookies[LANGUAGE_COOKIE];
    if (isLocale(chosen)) {
      request.locale = chosen;
      if (chosen !== remembered) {
        // As a header, not reply.setCookie(): the cookie plugin writes its cookies only when
        // Fastify sends the reply, and pages another library answers (One Login's provider) are
        // sent by it, with the headers set so far. The plugin adds its own cookies to this one.
        reply.header(
          'set-cookie',
          app.serializeCookie(LANGUAGE_COOKIE, chosen, { path: '/', maxAge: ONE_YEAR_SECONDS, httpOnly: true, sameSite: 'lax', secure: options.secureCookies }),
        );
      }
    } else if (isLocale(remembered)) {
      request.locale = remembered;
    }
    request.t = options.translations[request.locale];
    done();
  });
}
