import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PageContext } from '../../../platform/http/views.ts';
import { ConsoleError } from '../console.errors.ts';
import { actorOf, type Organisations } from '../organisations/organisations.ts';
import { ROLES } from '../organisations/organisation.store.ts';
import type { ConsoleSession } from '../sessions/console-sessions.ts';
import type { OrganisationAccess } from './console.routes.ts';
import { registerServicePage, type OnboardingPageDependencies } from './onboarding.routes.ts';

const VIEWS = 'modules/console/pages';
const idParam = { type: 'string', minLength: 1, maxLength: 64 } as const;
const orgParams = { type: 'object', required: ['orgId'], properties: { orgId: idParam } } as const;
type Done = { done?: string };
const doneQuery = { type: 'object', properties: { done: { type: 'string', maxLength: 40 } } } as const;
const roleName = (request: FastifyRequest, role: string) => request.t(`console.roles.${role}`);
const typeName = (request: FastifyRequest, type: string) => request.t(`console.types.${type}`);

/** What the console's pages lend an organisation's pages. */
export type OrganisationPageDependencies = {
  organisations: Organisations;
  chrome(request: FastifyRequest, pageTitle: string, context?: Record<string, unknown>): PageContext;
  accessOf(request: FastifyRequest): OrganisationAccess;
  sessionOf(request: FastifyRequest): ConsoleSession;
  onboardingPages: OnboardingPageDependencies;
};

const DONE_MESSAGES: Record<string, string> = {
  'service-created': 'console.newService.done',
  'invitation-sent': 'console.invite.sent',
  'role-changed': 'console.changeRole.done',
  'member-removed': 'console.remove.done',
  'invitation-withdrawn': 'console.withdraw.done',
};
const doneText = (request: FastifyRequest, done: string | undefined) => {
  const key = done ? DONE_MESSAGES[done] : undefined;
  return key ? request.t(key) : undefined;
};

export function registerMemberPages(pages: FastifyInstance, dependencies: OrganisationPageDependencies): void {
  const { organisations, chrome, accessOf, onboardingPages } = dependencies;
  pages.get<{ Params: { orgId: string }; Querystring: Done }>(
    '/console/organisations/:orgId',
    { schema: { params: orgParams, querystring: doneQuery } },
    async (request, reply) => {
      const { organisation, role } = accessOf(request);
      const [services, members, invitations] = await Promise.all([
        organisations.listServices(organisation.id),
        organisations.listMembers(organisation.id),
        role === 'owner' ? organisations.listPendingInvitations(organisation.id) : [],
      ]);
      return reply.render(`${VIEWS}/organisation.njk`, chrome(request, organisation.name, {
        backLink: '/console',
        done: doneText(request, request.query.done),
        organisation: { id: organisation.id, type: typeName(request, organisation.type), slug: organisation.govuk_slug },
        role: roleName(request, role),
        isOwner: role === 'owner',
        services: services.map((service) => ({ id: service.id, name: service.name })),
        members: members.map((member) => ({ id: member.id, email: member.email, role: roleName(request, member.role) })),
        invitations: invitations.map((invitation) => ({ id: invitation.id, email: invitation.email, role: roleName(request, invitation.role), expiresAt: invitation.expires_at })),
      }));
    },
  );

  registerServicePage(pages, onboardingPages);
}

type FieldErrors = Partial<Record<'name' | 'email' | 'role', string>>;
const fieldOf: Partial<Record<string, keyof FieldErrors>> = {
  'console.INVALID_NAME': 'name',
  'console.INVALID_EMAIL': 'email',
  'console.INVALID_ROLE': 'role',
  'console.LAST_OWNER': 'role',
};
/** The page's field errors for a refusal of the organisations service, or undefined for any other error. */
function fieldErrorsOf(request: FastifyRequest, error: unknown): FieldErrors | undefined {
  if (!(error instanceof ConsoleError)) return undefined;
  const field = fieldOf[error.code];
  if (!field) return undefined;
  return { [field]: request.t(`console.errors.${error.code.slice('console.'.length)}`) };
}
const summaryOf = (fieldErrors: FieldErrors) =>
  Object.entries(fieldErrors).map(([field, text]) => ({ text, href: field === 'role' ? '#role' : `#${field}` }));
const roleItems = (request: FastifyRequest, checked?: string) =>
  ROLES.map((role) => ({ value: role, text: roleName(request, role), hint: { text: request.t(`console.roles.${role}Hint`) }, checked: role === checked }));

type FormBody = { name?: string; email?: string; role?: string; _csrf?: string };
const formBody = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 1000 }, email: { type: 'string', maxLength: 1000 }, role: { type: 'string', maxLength: 40 }, _csrf: { type: 'string' } },
} as const;
const memberParams = { type: 'object', required: ['orgId', 'memberId'], properties: { orgId: idParam, memberId: idParam } } as const;
const invitationParams = { type: 'object', required: ['orgId', 'invitationId'], properties: { orgId: idParam, invitationId: idParam } } as const;

export function registerOwnerPages(pages: FastifyInstance, dependencies: OrganisationPageDependencies): void {
  const { organisations, chrome, accessOf, sessionOf } = dependencies;
  const base = '/console/organisations/:orgId';

  const serviceForm = (request: FastifyRequest, values: FormBody = {}, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.newService.title'), {
      backLink: `/console/organisations/${accessOf(request).organisation.id}`,
      kind: 'service',
      action: `/console/organisations/${accessOf(request).organisation.id}/services/new`,
      button: request.t('console.newService.submit'),
      values,
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  pages.get(`${base}/services/new`, { schema: { params: orgParams } }, async (request, reply) => reply.render(`${VIEWS}/form.njk`, serviceForm(request)));
  pages.post<{ Params: { orgId: string }; Body: FormBody }>(`${base}/services/new`, { schema: { params: orgParams, body: formBody } }, async (request, reply) => {
    const { organisation } = accessOf(request);
    try {
      const service = await organisations.createService({ organisationId: organisation.id, name: request.body.name ?? '', actor: actorOf(sessionOf(request)) });
      return reply.redirect(`/console/organisations/${organisation.id}/services/${service.id}?done=service-created`, 303);
    } catch (error) {
      const fieldErrors = fieldErrorsOf(request, error);
      if (!fieldErrors) throw error;
      return reply.code(400).render(`${VIEWS}/form.njk`, serviceForm(request, request.body, fieldErrors));
    }
  });

  const inviteForm = (request: FastifyRequest, values: FormBody = {}, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.invite.title'), {
      backLink: `/console/organisations/${accessOf(request).organisation.id}`,
      kind: 'invite',
      action: `/console/organisations/${accessOf(request).organisation.id}/members/invite`,
      button: request.t('console.invite.submit'),
      roles: roleItems(request, values.role),
      values,
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  const recent = { consoleRecentSignIn: true };
  pages.get(`${base}/members/invite`, { config: recent, schema: { params: orgParams } }, async (request, reply) => reply.render(`${VIEWS}/form.njk`, inviteForm(request)));
  pages.post<{ Params: { orgId: string }; Body: FormBody }>(`${base}/members/invite`, { config: recent, schema: { params: orgParams, body: formBody } }, async (request, reply) => {
    const { organisation } = accessOf(request);
    const role = request.body.role ?? '';
    try {
      await organisations.invite({ organisationId: organisation.id, email: request.body.email ?? '', role, actor: actorOf(sessionOf(request)) });
      return reply.redirect(`/console/organisations/${organisation.id}?done=invitation-sent`, 303);
    } catch (error) {
      const refused = fieldErrorsOf(request, error);
      if (!refused) throw error;
      // The email address is checked first: name a missing role as well, in the page's order.
      const fieldErrors: FieldErrors = { ...refused };
      if (!(ROLES as readonly string[]).includes(role)) fieldErrors.role = request.t('console.invite.roleMissing');
      return reply.code(400).render(`${VIEWS}/form.njk`, inviteForm(request, request.body, fieldErrors));
    }
  });

  async function findMember(request: FastifyRequest<{ Params: { orgId: string; memberId: string } }>, reply: FastifyReply) {
    const member = await organisations.findMember(accessOf(request).organisation.id, request.params.memberId);
    if (!member) await reply.callNotFound();
    return member;
  }

  const roleForm = (request: FastifyRequest, member: { id: string; email: string; role: string }, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.changeRole.title', { email: member.email }), {
      backLink: `/console/organisations/${accessOf(request).organisation.id}`,
      kind: 'role',
      action: `/console/organisations/${accessOf(request).organisation.id}/members/${member.id}/role`,
      button: request.t('console.changeRole.submit'),
      roles: roleItems(request, member.role),
      values: {},
      fieldErrors,
      errors: summaryOf(fieldErrors),
    });
  pages.get<{ Params: { orgId: string; memberId: string } }>(`${base}/members/:memberId/role`, { config: recent, schema: { params: memberParams } }, async (request, reply) => {
    const member = await findMember(request, reply);
    if (!member) return reply;
    return reply.render(`${VIEWS}/form.njk`, roleForm(request, member));
  });
  pages.post<{ Params: { orgId: string; memberId: string }; Body: FormBody }>(
    `${base}/members/:memberId/role`,
    { config: recent, schema: { params: memberParams, body: formBody } },
    async (request, reply) => {
      const member = await findMember(request, reply);
      if (!member) return reply;
      try {
        await organisations.changeRole({ organisationId: member.organisation_id, membershipId: member.id, role: request.body.role ?? '', actor: actorOf(sessionOf(request)) });
        return reply.redirect(`/console/organisations/${member.organisation_id}?done=role-changed`, 303);
      } catch (error) {
        const fieldErrors = fieldErrorsOf(request, error);
        if (!fieldErrors) throw error;
        return reply.code(400).render(`${VIEWS}/form.njk`, roleForm(request, member, fieldErrors));
      }
    },
  );

  const removeForm = (request: FastifyRequest, member: { id: string; email: string }, fieldErrors: FieldErrors = {}) =>
    chrome(request, request.t('console.remove.title', { email: member.email, organisation: accessOf(request).organisation.name }), {
      backLink: `/console/organisations/${accessOf(request).organisation.id}`,
      kind: 'remove',
      action: `/console/organisations/${accessOf(request).organisation.id}/members/${member.id}/remove`,
      button: request.t('console.remove.submit'),
      paragraphs: [request.t('console.remove.body')],
      values: {},
      fieldErrors: {},
      // The last owner's removal is refused with the reason in the summary (there is no field).
      errors: Object.values(fieldErrors).map((text) => ({ text, href: '#main-content' })),
    });
  pages.get<{ Params: { orgId: string; memberId: string } }>(`${base}/members/:memberId/remove`, { config: recent, schema: { params: memberParams } }, async (request, reply) => {
    const member = await findMember(request, reply);
    if (!member) return reply;
    return reply.render(`${VIEWS}/form.njk`, removeForm(request, member));
  });
  pages.post<{ Params: { orgId: string; memberId: string }; Body: FormBody }>(
    `${base}/members/:memberId/remove`,
    { config: recent, schema: { params: memberParams, body: formBody } },
    async (request, reply) => {
      const member = await findMember(request, reply);
      if (!member) return reply;
      try {
        await organisations.removeMember({ organisationId: member.organisation_id, membershipId: member.id, actor: actorOf(sessionOf(request)) });
        return reply.redirect(`/console/organisations/${member.organisation_id}?done=member-removed`, 303);
      } catch (error) {
        const fieldErrors = fieldErrorsOf(request, error);
        if (!fieldErrors) throw error;
        return reply.code(400).render(`${VIEWS}/form.njk`, removeForm(request, member, fieldErrors));
      }
    },
  );

  // Withdrawing an invitation only takes access away, so it needs no recent sign-in.
  const withdrawForm = (request: FastifyRequest, invitation: { id: string; email: string }) =>
    chrome(request, request.t('console.withdraw.title', { email: invitation.email }), {
      backLink: `/console/organisations/${accessOf(request).organisation.id}`,
      kind: 'remove',
      action: `/console/organisations/${accessOf(request).organisation.id}/invitations/${invitation.id}/withdraw`,
      button: request.t('console.withdraw.submit'),
      paragraphs: [request.t('console.withdraw.body')],
      values: {},
      fieldErrors: {},
      errors: [],
    });
  pages.get<{ Params: { orgId: string; invitationId: string } }>(`${base}/invitations/:invitationId/withdraw`, { schema: { params: invitationParams } }, async (request, reply) => {
    const invitation = await organisations.findPendingInvitation(accessOf(request).organisation.id, request.params.invitationId);
    if (!invitation) return reply.callNotFound();
    return reply.render(`${VIEWS}/form.njk`, withdrawForm(request, invitation));
  });
  pages.post<{ Params: { orgId: string; invitationId: string }; Body: FormBody }>(
    `${base}/invitations/:invitationId/withdraw`,
    { schema: { params: invitationParams, body: formBody } },
    async (request, reply) => {
      const { organisation } = accessOf(request);
      await organisations.withdrawInvitation({ organisationId: organisation.id, invitationId: request.params.invitationId, actor: actorOf(sessionOf(request)) });
      return reply.redirect(`/console/organisations/${organisation.id}?done=invitation-withdrawn`, 303);
    },
  );
}
