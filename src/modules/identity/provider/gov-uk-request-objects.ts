import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** Claims of a request object that describe the JWT itself, not the authorization request. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);
/** GOV.UK One Login asks these to be identical in the query and in the request object. */
const REPEATED_IN_QUERY = ['response_type', 'scope', 'client_id'];

/** A request object's claim as an authorization request parameter: `vtr` arrays and `claims` objects as JSON. */
function asParameter(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function isVerified(payload: JWTPayload, query: Record<string, unknown>, clientId: string): boolean {
  if (payload.client_id !== undefined && payload.client_id !== clientId) return false;
  if ('request' in payload || 'request_uri' in payload) return false;
  return REPEATED_IN_QUERY.every((name) => query[name] === undefined || payload[name] === undefined || query[name] === payload[name]);
}

/**
 * Request objects (JAR) as GOV.UK One Login documents them: signed by the service's registered
 * key (RS256...PS512 or ES256), `iss` its client_id, `aud` the authorize endpoint's URL (or the
 * issuer, as OpenID Connect has it), `exp` optional, `vtr` a JSON array and `claims` an object,
 * and `response_type`, `scope` and `client_id` identical in the query and the object.
 *
 * oidc-provider accepts only the issuer as `aud`, and refuses a `vtr` array as a repeated
 * parameter. So a GET to /authorize carrying such an object is verified here, and then handed on
 * with the object's parameters (and only those, as JAR says) in place of the query. An object
 * that does not verify is handed on untouched, for oidc-provider to refuse.
 */
export function acceptGovUkRequestObjects(provider: Provider, options: { issuer: string; authorizationPath: string; algorithms: readonly string[]; clockToleranceSeconds: number }): void {
  const audiences = [new URL(options.authorizationPath, options.issuer).href, options.issuer];

  async function verifiedParameters(ctx: KoaContextWithOIDC): Promise<Record<string, string> | undefined> {
    const query = ctx.query as Record<string, unknown>;
    const { request, client_id: clientId } = query;
    if (typeof request !== 'string' || typeof clientId !== 'string') return undefined;
    const client = (await provider.Client.find(clientId)) as { jwks?: JSONWebKeySet } | undefined;
    if (!client?.jwks) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(request, createLocalJWKSet(client.jwks), {
        issuer: clientId,
        audience: audiences,
        algorithms: [...options.algorithms],
        clockTolerance: options.clockToleranceSeconds,
      }));
    } catch {
      return undefined;
    }
    if (!isVerified(payload, query, clientId)) return undefined;
    const parameters: Record<string, string> = { client_id: clientId };
    for (const [name, value] of Object.entries(payload)) {
      if (!JWT_CLAIMS.has(name) && value !== null && value !== undefined) parameters[name] = asParameter(value);
    }
    return parameters;
  }

  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === options.authorizationPath && ctx.query.request !== undefined) {
      const parameters = await verifiedParameters(ctx as KoaContextWithOIDC);
      if (parameters) ctx.query = parameters;
    }
    await next();
  });
}
