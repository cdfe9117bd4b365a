import type { NewClient } from '../../identity/identity.contract.ts';

/** The registration form's fields, as the page names them (and their error anchors). */
export type ClientField = 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'publicKey' | 'scopes' | 'levels' | 'requirePkce';
/** A refusal: the field and the message key under `console.client.errors`. */
export type ClientFieldError = { field: ClientField; key: string };

/** What the form posts; `publicKeyFile` is the text of an uploaded file. */
export type ClientFormBody = {
  redirectUris?: string;
  postLogoutRedirectUris?: string;
  backchannelLogoutUri?: string;
  publicKey?: string;
  publicKeyFile?: string;
  jwksUri?: string;
  scopes?: string | string[];
  levels?: string;
  requirePkce?: string;
};

export const URI_LIMIT = 2000;
export const URIS_PER_FIELD = 10;
export const KEY_TEXT_LIMIT = 16 * 1024;
const OPTIONAL_SCOPES = ['email', 'phone'] as const;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether One Login would take this as a redirect, post-logout or back-channel URI: https, or
 * http for this computer only; no fragment; nothing a URL parser would quietly drop or encode.
 */
export function isAcceptableUri(value: string, options: { httpForLocalhost: boolean } = { httpForLocalhost: true }): boolean {
  if (value.length > URI_LIMIT || !/^[\x21-\x7e]+$/.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.hash || value.includes('#') || url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  return options.httpForLocalhost && url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname);
}

/** One URI a line; blank lines ignored. */
export function readUriLines(text: string | undefined): string[] {
  return (text ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}

function checkUriList(text: string | undefined, field: ClientField, required: boolean, errors: ClientFieldError[]): string[] {
  const uris = readUriLines(text);
  if (uris.length === 0) {
    if (required) errors.push({ field, key: `${field}Missing` });
  } else if (uris.length > URIS_PER_FIELD) errors.push({ field, key: `${field}TooMany` });
  else if (!uris.every((uri) => isAcceptableUri(uri))) errors.push({ field, key: `${field}Invalid` });
  return uris;
}

/** The redirect URIs of the change form, or the error to show. */
export function readRedirectUris(text: string | undefined): { uris: string[]; error?: ClientFieldError } {
  const errors: ClientFieldError[] = [];
  const uris = checkUriList(text, 'redirectUris', true, errors);
  return errors[0] ? { uris, error: errors[0] } : { uris };
}

/**
 * Reads the registration form into what One Login's registry takes, or the page's field errors
 * in the page's order. The key's contents are checked by One Login itself (the caller asks it).
 */
export function readClientForm(body: ClientFormBody, serviceName: string): { client: NewClient; errors: ClientFieldError[] } {
  const errors: ClientFieldError[] = [];
  const redirectUris = checkUriList(body.redirectUris, 'redirectUris', true, errors);
  const postLogoutRedirectUris = checkUriList(body.postLogoutRedirectUris, 'postLogoutRedirectUris', false, errors);
  const backchannel = (body.backchannelLogoutUri ?? '').trim();
  if (backchannel && !isAcceptableUri(backchannel)) errors.push({ field: 'backchannelLogoutUri', key: 'backchannelLogoutUriInvalid' });

  const pasted = (body.publicKey ?? '').trim();
  const uploaded = (body.publicKeyFile ?? '').trim();
  const jwksUri = (body.jwksUri ?? '').trim();
  const given = [pasted, uploaded, jwksUri].filter(Boolean).length;
  if (given === 0) errors.push({ field: 'publicKey', key: 'publicKeyMissing' });
  else if (given > 1) errors.push({ field: 'publicKey', key: 'publicKeyTwice' });
  else if (pasted.length > KEY_TEXT_LIMIT || uploaded.length > KEY_TEXT_LIMIT) errors.push({ field: 'publicKey', key: 'publicKeyInvalid' });
  else if (jwksUri && !isAcceptableUri(jwksUri, { httpForLocalhost: false })) errors.push({ field: 'publicKey', key: 'jwksUriInvalid' });

  const chosen = body.scopes === undefined ? [] : Array.isArray(body.scopes) ? body.scopes : [body.scopes];
  if (!chosen.every((scope) => (OPTIONAL_SCOPES as readonly string[]).includes(scope))) errors.push({ field: 'scopes', key: 'scopesInvalid' });
  const scopes = ['openid', ...OPTIONAL_SCOPES.filter((scope) => chosen.includes(scope))];

  if (body.levels !== 'Cl.Cm' && body.levels !== 'Cl') errors.push({ field: 'levels', key: 'levelsMissing' });
  if (body.requirePkce !== 'yes' && body.requirePkce !== 'no') errors.push({ field: 'requirePkce', key: 'requirePkceMissing' });

  const client: NewClient = {
    name: serviceName,
    redirectUris,
    postLogoutRedirectUris,
    ...(backchannel ? { backchannelLogoutUri: backchannel } : {}),
    ...(jwksUri ? { jwksUri } : { publicKey: pasted || uploaded }),
    scopes,
    allowedLevels: body.levels === 'Cl' ? ['Cl', 'Cl.Cm'] : ['Cl.Cm'],
    requirePkce: body.requirePkce === 'yes',
  };
  return { client, errors };
}
