import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Who may use a module's team pages. The console signs people in and knows their organisations
 * and roles; Notify's and Pay's team pages need to ask it without importing it (the console
 * imports them). So the kernel holds this one seam: the console provides the answers, the team
 * pages ask through `requireTeamMember`. Without a provider (no console module) nobody is let in.
 */

export type TeamRole = 'owner' | 'developer' | 'viewer';
/**
 * What a team page belongs to, by its own module's id: a Notify service or a Pay account (which a
 * console service owns), or a console organisation itself (Exchange: an organisation is a member).
 */
export type TeamComponent = { kind: 'notify-service' | 'pay-account' | 'organisation'; id: string };

export type TeamMember = {
  /** How the audit trail names the person: a pseudonym, never their email address. */
  actor: string;
  role: TeamRole;
  /**
   * Facts every audit record of the member's change carries, so the trail says whose it was: the
   * organisation (`organisationId`) and, for a service's component, the console's service
   * (`consoleServiceId`), by their ids.
   */
  auditDetails: Readonly<Record<string, string>>;
  /** The console's page of the service (or organisation) the component belongs to (the way back), and its name. */
  home: { href: string; text: string };
  /** The console's name and address, in the request's language, for the service navigation. */
  console: { name: string; href: string };
};

export type TeamAccessAnswer = { state: 'signed-out' } | { state: 'not-a-member' } | { state: 'member'; member: TeamMember };

/** An operator of the platform on another module's operator page, let in by the console's operator gate. */
export type TeamOperator = {
  /** How the audit trail names the operator: a pseudonym, never their email address. */
  actor: string;
  console: { name: string; href: string };
  /** The operators' service navigation. */
  navigation: Array<{ href: string; text: string; active: boolean }>;
};

/** `answered`: the provider has answered the request itself (sent to sign in, a 404, or a page saying why not). */
export type OperatorAnswer = { state: 'operator'; operator: TeamOperator } | { state: 'answered' };

export type TeamAccessProvider = {
  check(request: FastifyRequest, component: TeamComponent): Promise<TeamAccessAnswer>;
  /** The console's gate of its own operator pages, for an operator page of another module under /console/operator. */
  checkOperator(request: FastifyRequest, reply: FastifyReply): Promise<OperatorAnswer>;
  /** Where a signed-out person signs in, to come back to `returnTo` after. */
  signInPath(returnTo: string): string;
};

export type TeamAccess = TeamAccessProvider & { provide(provider: TeamAccessProvider): void };

declare module 'fastify' {
  interface FastifyInstance {
    teamAccess: TeamAccess;
  }
  interface FastifyRequest {
    /** The signed-in member on a team page (set by `requireTeamMember`). */
    teamMember?: TeamMember;
    /** The operator on another module's operator page (set by `requireOperator`). */
    teamOperator?: TeamOperator;
  }
}

/** Owners and developers change things (templates, webhooks, refunds); viewers only read. */
export const mayChange = (member: TeamMember): boolean => member.role !== 'viewer';

const READS = new Set(['GET', 'HEAD']);

export function registerTeamAccess(app: FastifyInstance): void {
  let provider: TeamAccessProvider | undefined;
  const teamAccess: TeamAccess = {
    provide(given) {
      if (provider) throw new Error('team access is provided once');
      provider = given;
    },
    check: async (request, component) => (provider ? provider.check(request, component) : { state: 'not-a-member' }),
    checkOperator: async (request, reply) => {
      if (provider) return provider.checkOperator(request, reply);
      await reply.callNotFound();
      return { state: 'answered' };
    },
    signInPath: (returnTo) => (provider ? provider.signInPath(returnTo) : '/'),
  };
  app.decorate('teamAccess', teamAccess);
  app.decorateRequest('teamMember', undefined);
  app.decorateRequest('teamOperator', undefined);
}

/**
 * A preHandler for team pages: a signed-out person is sent to sign in (and back); someone with no
 * role for the component gets 404 (as if it did not exist); a viewer gets 403 for anything but a
 * read. Let in, the member is `request.teamMember`.
 */
export function requireTeamMember(options: { kind: TeamComponent['kind']; idParam: string }) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as Record<string, string | undefined>)[options.idParam] ?? '';
    const answer = await request.server.teamAccess.check(request, { kind: options.kind, id });
    if (answer.state === 'signed-out') {
      const returnTo = READS.has(request.method) ? (request.url.split('?')[0] as string) : '/console';
      return reply.redirect(request.server.teamAccess.signInPath(returnTo), 303);
    }
    if (answer.state === 'not-a-member') return reply.callNotFound();
    request.teamMember = answer.member;
    if (!READS.has(request.method) && !mayChange(answer.member)) return renderForbidden(request, reply, answer.member);
  };
}

function renderForbidden(request: FastifyRequest, reply: FastifyReply, member: TeamMember) {
  const { t } = request;
  return reply.code(403).render('platform/http/views/error.njk', {
    pageTitle: t('platform.errors.forbidden.title'),
    serviceName: member.console.name,
    serviceUrl: member.console.href,
    paragraphs: [t('platform.errors.forbidden.viewer')],
    link: member.home,
  });
}

/** The member on a page behind `requireTeamMember`. */
export function teamMemberOf(request: FastifyRequest): TeamMember {
  if (!request.teamMember) throw new Error('team page reached without its member');
  return request.teamMember;
}

/**
 * What every team page shows around its content: the console's name and address, the way back
 * to the member's service (or organisation) and the module's own page, and whether the member
 * may change anything there.
 */
export function teamPageChrome(request: FastifyRequest, modulePage: { href: string; text: string }) {
  const member = teamMemberOf(request);
  return {
    serviceName: member.console.name,
    serviceUrl: member.console.href,
    navigation: [
      { href: member.home.href, text: member.home.text },
      { href: modulePage.href, text: modulePage.text, active: true },
    ],
    base: modulePage.href,
    mayChange: mayChange(member),
  };
}

/**
 * A preHandler for a module's operator pages: let in exactly as the console's own operator pages
 * (an operator with a settled passkey or authenticator app, who signed in with it); anyone else is
 * answered by the console. Let in, the operator is `request.teamOperator`.
 */
export async function requireOperator(request: FastifyRequest, reply: FastifyReply) {
  const answer = await request.server.teamAccess.checkOperator(request, reply);
  if (answer.state !== 'operator') return reply;
  request.teamOperator = answer.operator;
}

/** The operator on a page behind `requireOperator`. */
export function teamOperatorOf(request: FastifyRequest): TeamOperator {
  if (!request.teamOperator) throw new Error('operator page reached without its operator');
  return request.teamOperator;
}
