import type { FastifyInstance } from 'fastify';
import type { TeamRole } from '../../../platform/http/team-access.ts';
import { createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';

/** A console organisation with one service, for the builder's tests. */
export async function createBuilderTeam(app: FastifyInstance, name?: string, components: { payAccountId?: string } = {}) {
  const team = await createConsoleTeam(app, { name, ...components });
  return { ...team, servicePath: `/console/forms/${team.organisationId}/services/${team.serviceId}` };
}

/** A team member's browser on the builder's pages: keeps its cookies and the latest CSRF token it was given. */
export async function builderBrowserOf(app: FastifyInstance, team: { organisationId: string; servicePath: string }, role: TeamRole = 'owner') {
  const member = await signInConsoleMember(app, { organisationId: team.organisationId, role, email: `${role}-${team.organisationId.slice(0, 8)}@example.gov.uk` });
  const cookies = new Map<string, string>([[member.cookieName, member.cookieValue]]);
  let token = '';
  async function send(method: 'GET' | 'POST', url: string, fields: Record<string, string | string[]> = {}, options: { csrf?: boolean } = {}) {
    const form = new URLSearchParams(options.csrf === false ? {} : { _csrf: token });
    for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) form.append(name, one);
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await app.inject(
      method === 'GET'
        ? { method, url, headers: { accept: 'text/html', cookie } }
        : { method, url, headers: { accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() },
    );
    for (const set of response.cookies) cookies.set(set.name, set.value);
    token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? token;
    return response;
  }
  // A form page of the owner's gives the browser its CSRF token (a viewer's pages have none: it borrows the layout's).
  await send('GET', `${team.servicePath}/new`);
  return { member, send };
}
