import { hash } from 'node:crypto';
import * as querystring from 'node:querystring';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** Claims of a request object that describe the JWT itself, not the authorization request. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

/**
 * The longest a request object may be valid for, from when it was issued (or first valid) and
 * from now. A service signs one for each sign-in and sends the person straight on with it;
 * openid-client gives its own 60 seconds. Every object used is remembered until it expires, so
 * the bound also bounds what is remembered.
 */
export const REQUEST_OBJECT_MAX_SECONDS = 5 * 60;

/** Larger than any authorization request GOV.UK One Login's WAF lets through (4096 characters). */
const BODY_LIMIT_BYTES = 56 * 1024;

class Refusal extends Error {}

/** A request object's claim as an authorization request parameter: `vtr` arrays and `claims` objects as JSON. */
function asParameter(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function checkLifetime(payload: JWTPayload, now: number, toleranceSeconds: number): void {
  const { exp, iat, nbf } = payload;
  if (typeof exp !== 'number') throw new Refusal('Request Object must have an exp claim');
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + toleranceSeconds)) throw new Refusal('Request Object iat must not be in the future');
  if (nbf !== undefined && typeof nbf !== 'number') throw new Refusal('Request Object nbf must be a number');
  const start = Math.min(...[iat, nbf, now].filter((value): value is number => typeof value === 'number'));
  if (exp - start > REQUEST_OBJECT_MAX_SECONDS || exp > now + REQUEST_OBJECT_MAX_SECONDS + toleranceSeconds) {
    throw new Refusal(`Request Object must expire within ${REQUEST_OBJECT_MAX_SECONDS} seconds`);
  }
}

function scopesOf(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/**
 * What GOV.UK One Login's own checks ask of the query beside a request object
 * (authentication-api RequestObjectValidationService, and its example service, which sends
 * `scope=openid` in the query and its full scope in the object): `client_id` the object's,
 * `response_type` code in both, and the query's scopes ones the service is registered for. The
 * object's parameters are the ones used.
 */
function checkQuery(query: Record<string, unknown>, payload: JWTPayload, client: { clientId: string; scope?: string }): void {
  if (payload.client_id !== client.clientId) throw new Refusal('Request Object client_id must equal the client_id parameter');
  if (payload.response_type !== 'code' || (query.response_type !== undefined && query.response_type !== 'code')) {
    throw new Refusal('Request Object response_type must be code, in the object and the query');
  }
  if ('request' in payload || 'request_uri' in payload) throw new Refusal('Request Object must not contain request or request_uri');
  const registered = new Set(scopesOf(client.scope));
  if (![...scopesOf(query.scope), ...scopesOf(payload.scope)].every((scope) => registered.has(scope))) {
    throw new Refusal('Request Object and query may ask only for the scopes the service is registered for');
  }
}

async function readForm(ctx: KoaContextWithOIDC): Promise<Record<string, unknown>> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > BODY_LIMIT_BYTES) throw new errors.InvalidRequest('request body too large');
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > BODY_LIMIT_BYTES) throw new errors.InvalidRequest('request body too large');
    chunks.push(chunk as Buffer);
  }
  return querystring.parse(Buffer.concat(chunks).toString('utf8'));
}

export type RequestObjectOptions = {
  issuer: string;
  authorizationPath: string;
  algorithms: readonly string[];
  clockToleranceSeconds: number;
  /**
   * Records `key` as used until `expiresAt`, in storage every instance shares; false if it was
   * already recorded and has not expired (the same check-and-record in one statement).
   */
  useOnce(key: string, expiresAt: Date): Promise<boolean>;
  /** Shows the refusal on One Login's error page (a request object that does not verify sends no one back to a service). */
  refuse(ctx: KoaContextWithOIDC, out: { error: string; error_description: string }): void;
};

/**
 * Request objects (JAR) as GOV.UK One Login documents and accepts them: signed by the service's
 * registered key (RS256...PS512 or ES256; never unsigned), `iss` its client_id, `aud` the authorize
 * endpoint's URL (or the issuer, as OpenID Connect has it), `vtr` a JSON array and `claims` an
 * object, sent to /authorize by GET or by a form POST. Civitas asks more than GOV.UK does: an
 * `exp` within REQUEST_OBJECT_MAX_SECONDS, no `iat` in the future, and each object used once
 * (its `jti`, and its signed claims whether it has a `jti` or not).
 *
 * oidc-provider accepts only the issuer as `aud`, and refuses a `vtr` array as a repeated
 * parameter. So every request object is verified here, and the request handed on with the
 * object's parameters (and only those, as JAR says) in place of the query. One that does not
 * verify is refused here, with a 400 and One Login's error page: nothing it says (its
 * redirect_uri, its state) can be trusted. oidc-provider's own request object check is made to
 * refuse every object that reaches it (`refuseUnverifiedRequestObjects`), so none is ever used
 * without passing through here.
 */
export function acceptGovUkRequestObjects(provider: Provider, options: RequestObjectOptions): void {
  const audiences = [new URL(options.authorizationPath, options.issuer).href, options.issuer];

  async function verifiedParameters(query: Record<string, unknown>): Promise<Record<string, string>> {
    const { request, client_id: clientId } = query;
    if (typeof request !== 'string' || typeof clientId !== 'string') throw new Refusal('client_id must accompany a Request Object');
    const client = (await provider.Client.find(clientId)) as { clientId: string; scope?: string; jwks?: JSONWebKeySet } | undefined;
    if (!client?.jwks) throw new Refusal('the client has no key to verify a Request Object with');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(request, createLocalJWKSet(client.jwks), {
        issuer: clientId,
        audience: audiences,
        algorithms: [...options.algorithms],
        clockTolerance: options.clockToleranceSeconds,
      }));
    } catch {
      throw new Refusal('could not validate Request Object');
    }
    // jose accepts an `aud` array holding ours among others; an object meant for other parties too is not ours alone.
    const statedAudiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (statedAudiences.some((audience) => !audiences.includes(audience as string))) throw new Refusal('could not validate Request Object');
    const now = Math.floor(Date.now() / 1000);
    checkLifetime(payload, now, options.clockToleranceSeconds);
    checkQuery(query, payload, client);

    // Remembered until it could no longer be used anyway. The signed claims identify the object
    // (an ECDSA signature can be rewritten without the key; the claims cannot).
    const keptUntil = new Date(((payload.exp as number) + options.clockToleranceSeconds) * 1000);
    const signedClaims = request.split('.')[1] as string;
    const keys = [`request-object:${hash('sha256', signedClaims, 'base64url')}`];
    if (payload.jti !== undefined) keys.push(`request-object-jti:${hash('sha256', `${clientId}\n${String(payload.jti)}`, 'base64url')}`);
    for (const key of keys) {
      if (!(await options.useOnce(key, keptUntil))) throw new Refusal('Request Object has already been used');
    }

    const parameters: Record<string, string> = { client_id: clientId };
    for (const [name, value] of Object.entries(payload)) {
      if (!JWT_CLAIMS.has(name) && value !== null && value !== undefined) parameters[name] = asParameter(value);
    }
    return parameters;
  }

  provider.use(async (ctx, next) => {
    // The router takes /authorize/ for /authorize: so must this check.
    const path = ctx.path.length > 1 ? ctx.path.replace(/\/+$/, '') : ctx.path;
    if (path === options.authorizationPath && (ctx.method === 'GET' || ctx.method === 'POST')) {
      // A form POST is answered as the GET it is equivalent to, so both take the same path.
      if (ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
        const form = await readForm(ctx as KoaContextWithOIDC);
        ctx.method = 'GET';
        ctx.query = form as typeof ctx.query;
      }
      if (ctx.method === 'GET' && ctx.query.request !== undefined) {
        try {
          ctx.query = await verifiedParameters(ctx.query as Record<string, unknown>);
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          ctx.status = 400;
          ctx.set('cache-control', 'no-store');
          options.refuse(ctx as KoaContextWithOIDC, { error: 'invalid_request_object', error_description: error.message });
          return;
        }
      }
    }
    await next();
  });
}

/** oidc-provider's own request object handling, reached only by an object the checks above never saw: refused. */
export function refuseUnverifiedRequestObjects(): never {
  throw new errors.InvalidRequestObject('could not validate Request Object');
}
