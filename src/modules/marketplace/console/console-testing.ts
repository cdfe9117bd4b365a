import type { FastifyInstance } from 'fastify';
import { signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/** One browser signed in to the console as a member of an organisation, keeping its cookies and its latest CSRF token. */
export async function consoleBrowserOf(app: FastifyInstance, organisationId: string, role: 'owner' | 'developer' | 'viewer' = 'owner') {
  const member = await signInConsoleMember(app, { organisationId, role, email: `${role}-${organisationId.slice(-6)}@example.gov.uk` });
  const jar = new Map<string, string>([[member.cookieName, member.cookieValue]]);
  let csrf = '';
  const send = async (method: 'GET' | 'POST', url: string, form: Record<string, string | string[]> = {}) => {
    const payload = new URLSearchParams({ _csrf: csrf });
    for (const [name, value] of Object.entries(form)) for (const item of [value].flat()) payload.append(name, item);
    const response = await app.inject({
      method,
      url,
      headers: { accept: 'text/html', cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { payload: payload.toString() } : {}),
    });
    for (const cookie of response.cookies) jar.set(cookie.name, cookie.value);
    csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
    return response;
  };
  // A CSRF token for this browser from a console form (a viewer's pages have none).
  await send('GET', `/console/organisations/${organisationId}/services/new`);
  return { member, send };
}
