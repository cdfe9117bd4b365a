import type { FastifyInstance } from 'fastify';
import { signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/** One browser signed in to the console as a member of an organisation, keeping its cookies (and so its CSRF secret). */
export async function browserOf(app: FastifyInstance, organisationId: string, role: 'owner' | 'developer' | 'viewer' = 'owner') {
  const member = await signInConsoleMember(app, { organisationId, role, email: `${role}-${organisationId.slice(-6)}@example.gov.uk` });
  const jar = new Map<string, string>([[member.cookieName, member.cookieValue]]);
  let csrf = '';
  const send = async (method: 'GET' | 'POST', url: string, form: Record<string, string> = {}) => {
    const response = await app.inject({
      method,
      url,
      headers: { accept: 'text/html', cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { payload: new URLSearchParams({ _csrf: csrf, ...form }).toString() } : {}),
    });
    for (const cookie of response.cookies) jar.set(cookie.name, cookie.value);
    csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
    return response;
  };
  /** A form with files, as a browser sends one: multipart/form-data. */
  const upload = async (url: string, fields: Record<string, string>, files: Record<string, string> = {}) => {
    const form = new FormData();
    form.set('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    for (const [name, text] of Object.entries(files)) form.set(name, new Blob([text]), `${name}.txt`);
    const encoded = new Request('http://localhost/', { method: 'POST', body: form });
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { accept: 'text/html', cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '), 'content-type': String(encoded.headers.get('content-type')) },
      payload: Buffer.from(await encoded.arrayBuffer()),
    });
    csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
    return response;
  };
  // A CSRF token for this browser, from a form of the console's own: pages with nothing to change have none.
  if (role === 'owner') await send('GET', `/console/organisations/${organisationId}/services/new`);
  return { member, send, upload };
}
