import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Locale } from '../../../platform/http/i18n.ts';
import type { Config } from '../../../platform/config/config.schema.ts';
import { apiSecurityHeaders, JSON_API_ROUTE_CONFIG } from '../../../platform/http/security.ts';

/** What the provider's own pages (errors, logout) need from the Fastify request they came in on. */
export type PageRequestDetails = { locale: Locale; url: string; cspNonce?: string };
const PAGE_DETAILS = Symbol('civitas.pageDetails');
const PUBLIC_DOCUMENT_CACHING = 'max-age=86400';

export function pageDetailsOf(raw: object): PageRequestDetails {
  return (raw as { [PAGE_DETAILS]?: PageRequestDetails })[PAGE_DETAILS] ?? { locale: 'en', url: '/' };
}

/**
 * `json`: answered only with JSON (never a page), so sent the fixed API headers, not helmet's.
 * `cacheable`: public documents services should cache, for a day as GOV.UK One Login's
 * (`Cache-Control: max-age=86400`) instead of the API's no-store. The JWKS always publishes the
 * next signing key beside the current one, so a service that cached it for a day still has the
 * key a rotation starts signing with, if rotations are at least a day apart.
 */
const PROVIDER_PATHS: ReadonlyArray<{ method: 'GET' | 'POST'; url: string; json?: true; cacheable?: true }> = [
  { method: 'GET', url: '/.well-known/openid-configuration', json: true, cacheable: true },
  { method: 'GET', url: '/.well-known/jwks.json', json: true, cacheable: true },
  { method: 'GET', url: '/authorize' },
  { method: 'POST', url: '/authorize' },
  { method: 'GET', url: '/authorize/:uid' },
  { method: 'POST', url: '/token', json: true },
  { method: 'GET', url: '/userinfo', json: true },
  { method: 'POST', url: '/userinfo', json: true },
  { method: 'GET', url: '/logout' },
  { method: 'POST', url: '/logout' },
  { method: 'POST', url: '/logout/confirm' },
  { method: 'GET', url: '/logout/success' },
];

/**
 * Hands the OpenID Connect endpoints to oidc-provider. The provider reads request bodies itself,
 * so this context leaves them unparsed; headers already set by the platform (security headers,
 * request id) are copied onto the raw response first.
 */
export async function registerProviderRoutes(
  app: FastifyInstance,
  currentProvider: () => Promise<Provider>,
  config: Pick<Config, 'BASE_URL'>,
): Promise<void> {
  const jsonHeaders = apiSecurityHeaders(config);
  await app.register(async (context) => {
    context.removeAllContentTypeParsers();
    context.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    const handle = async (request: FastifyRequest, reply: FastifyReply) => {
      const provider = await currentProvider();
      (request.raw as { [PAGE_DETAILS]?: PageRequestDetails })[PAGE_DETAILS] = {
        locale: request.locale,
        url: request.url,
        cspNonce: reply.cspNonce?.script,
      };
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value as string);
      }
      reply.hijack();
      await provider.callback()(request.raw, reply.raw);
    };

    for (const { method, url, json, cacheable } of PROVIDER_PATHS) {
      if (json) {
        const headers = cacheable ? { ...jsonHeaders, 'cache-control': PUBLIC_DOCUMENT_CACHING } : jsonHeaders;
        context.route({
          method,
          url,
          config: { csrf: false, ...JSON_API_ROUTE_CONFIG },
          onRequest: (request, reply, done) => {
            reply.headers(headers);
            // oidc-provider renders an error as an HTML page for a client that prefers HTML; the
            // JSON endpoints answer OAuth's {error, error_description} to every client (RFC 6749 5.2).
            request.raw.headers.accept = 'application/json';
            done();
          },
          handler: handle,
        });
      } else {
        context.route({ method, url, config: { csrf: false }, handler: handle });
      }
    }
  });
}
