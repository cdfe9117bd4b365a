import type { FastifyRequest } from 'fastify';
import type { TeamAccessProvider, TeamComponent, TeamMember, TeamRole } from '../../../platform/http/team-access.ts';
import { actorOf } from '../organisations/organisations.ts';
import { operatorNavigation, SESSION_COOKIE, type OperatorGate } from '../pages/console.routes.ts';
import type { ConsoleSessions } from '../sessions/console-sessions.ts';
import type { Executor } from '../../../platform/db/database.ts';
import { createTeamMemberStore } from './team-member.store.ts';

const TEAM_ROLES: readonly string[] = ['owner', 'developer', 'viewer'] satisfies TeamRole[];

/**
 * The console's answer to "who may use this Notify service's or Pay account's team pages" (or an
 * organisation's own, such as Exchange's): the person signed in to the console (its session
 * cookie, which is sent to /console paths only, so team pages live under /console), if they are a
 * member of the organisation whose service owns the component (or of the organisation itself),
 * with their role there. Operators are not members: their own pages serve them.
 */
export function createConsoleTeamAccess(dependencies: { db: Executor; sessions: ConsoleSessions; admitOperator: OperatorGate }): TeamAccessProvider {
  const members = createTeamMemberStore(dependencies.db);

  function readSessionToken(request: FastifyRequest): string | undefined {
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) return undefined;
    const unsigned = request.unsignCookie(cookie);
    return unsigned.valid && unsigned.value ? unsigned.value : undefined;
  }

  /** Where the member's pages hang in the console: a service's component, or the organisation itself. */
  async function findPlace(component: TeamComponent, personKey: string): Promise<{ role: string; auditDetails: Record<string, string>; home: TeamMember['home'] } | undefined> {
    if (component.kind === 'organisation') {
      const membership = await members.findOrganisationMembership({ organisationId: component.id, personKey });
      return membership && { role: membership.role, auditDetails: { organisationId: membership.organisation_id }, home: { href: `/console/organisations/${membership.organisation_id}`, text: membership.organisation_name } };
    }
    const membership = await members.findMembership({ kind: component.kind, externalId: component.id, personKey });
    return (
      membership && {
        role: membership.role,
        auditDetails: { organisationId: membership.organisation_id, consoleServiceId: membership.service_id },
        home: { href: `/console/organisations/${membership.organisation_id}/services/${membership.service_id}`, text: membership.service_name },
      }
    );
  }

  return {
    async check(request, component) {
      const session = await dependencies.sessions.find(readSessionToken(request));
      if (!session) return { state: 'signed-out' };
      const place = await findPlace(component, session.personKey);
      if (!place || !TEAM_ROLES.includes(place.role)) return { state: 'not-a-member' };
      const member: TeamMember = { actor: actorOf(session).audit, role: place.role as TeamRole, auditDetails: place.auditDetails, home: place.home, console: { name: request.t('console.name'), href: '/console' } };
      return { state: 'member', member };
    },
    async checkOperator(request, reply) {
      const session = await dependencies.sessions.find(readSessionToken(request));
      const answered = await dependencies.admitOperator(request, reply, session);
      if (answered !== undefined || !session) return { state: 'answered' };
      return { state: 'operator', operator: { actor: actorOf(session).audit, console: { name: request.t('console.name'), href: '/console' }, navigation: operatorNavigation(request) } };
    },
    signInPath: (returnTo) => `/console/sign-in?${new URLSearchParams({ return: returnTo })}`,
  };
}
