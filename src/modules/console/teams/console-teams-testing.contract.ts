import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TeamRole } from '../../../platform/http/team-access.ts';
import { createServiceComponentStore } from '../onboarding/service-component.store.ts';
import { createOrganisationStore } from '../organisations/organisation.store.ts';
import { actorOf } from '../organisations/organisations.ts';
import { SESSION_COOKIE } from '../pages/console.routes.ts';
import { createConsoleSessions } from '../sessions/console-sessions.ts';

/**
 * For other modules' tests of their team pages (which the console signs people in to): an
 * organisation whose service owns a Notify service and/or a Pay account, and people signed in to
 * the console as its members. The console's own tests sign in through One Login's pages instead
 * (console-pages.test-kit.ts); one such journey is in console-team-pages.test.ts.
 */
export async function createConsoleTeam(app: FastifyInstance, components: { notifyServiceId?: string; payAccountId?: string; name?: string }) {
  const now = new Date().toISOString();
  const organisation = { id: randomUUID(), name: `${components.name ?? 'Department for Fishing'}`, type: 'department', govuk_slug: null, created_at: now };
  const service = { id: randomUUID(), organisation_id: organisation.id, name: 'Apply for a fishing licence', created_at: now };
  const organisations = createOrganisationStore(app.db);
  await organisations.insertOrganisation(organisation);
  await organisations.insertService(service);
  const links = createServiceComponentStore(app.db);
  const link = (kind: 'notify-service' | 'pay-account', externalId: string) =>
    links.insertComponent({ kind, external_id: externalId, organisation_id: organisation.id, service_id: service.id, single: `${service.id}:${kind}`, created_at: now });
  if (components.notifyServiceId) await link('notify-service', components.notifyServiceId);
  if (components.payAccountId) await link('pay-account', components.payAccountId);
  return { organisationId: organisation.id, serviceId: service.id, servicePath: `/console/organisations/${organisation.id}/services/${service.id}` };
}

/** A person signed in to the console (as One Login would sign them in), a member of the organisation with this role. */
export async function signInConsoleMember(app: FastifyInstance, input: { organisationId: string; role: TeamRole; email?: string }) {
  const personKey = randomUUID();
  const email = input.email ?? `${input.role}@example.gov.uk`;
  const now = new Date();
  await createOrganisationStore(app.db).insertMembership({
    id: randomUUID(),
    organisation_id: input.organisationId,
    person_key: personKey,
    email,
    role: input.role,
    created_at: now.toISOString(),
  });
  const token = await createConsoleSessions({ db: app.db }).start({ accountSubject: personKey, email, idToken: 'test-id-token', level: 'Cl.Cm', authenticationMethods: ['pwd', 'otp'], authenticatedAt: now });
  const cookieValue = app.signCookie(token);
  return { cookie: `${SESSION_COOKIE}=${cookieValue}`, cookieName: SESSION_COOKIE, cookieValue, actor: actorOf({ personKey, email }).audit, email };
}

/**
 * A browser signed in to the console as a member of an organisation with this role, keeping its
 * cookies and sending the latest page's CSRF token with each form (a token is fetched first from a
 * console form, as a viewer's pages may have none).
 */
export async function consoleMemberBrowser(app: FastifyInstance, organisationId: string, role: TeamRole = 'owner') {
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
  await send('GET', `/console/organisations/${organisationId}/services/new`);
  return { member, send };
}

/** For other modules' operator pages: Civitas with one operator signed in to the console through One Login (an authenticator app). */
export { startWithOperator } from '../pages/operators/operator-pages.test-kit.ts';
