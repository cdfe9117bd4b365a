import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireOperator, teamOperatorOf } from '../../../platform/http/team-access.ts';
import { findConsoleOrganisation } from '../../console/console.contract.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { formatMember } from '../registry/identifiers.ts';
import { MAX_REFUSAL_REASON, type Registry, type RegistryActor } from '../registry/registry.ts';

const VIEW = 'modules/exchange/pages/pending-members.njk';
/** Under the console's operator pages, so the console's session cookie (path /console) is sent. */
export const PENDING_MEMBERS_PATH = '/console/operator/exchange-members';

type MemberParams = { memberId: string };

/**
 * The operators' page of organisations waiting to become members of the exchange: each approved or
 * refused, with a reason if the operator gives one (the organisation sees it on its Exchange page
 * and may ask again), audited as the operator. Let
 * in as the console's own operator pages are (`requireOperator`); the CLI's `exchange member
 * approve` goes through the same registry.
 */
export async function registerPendingMemberPages(app: FastifyInstance, dependencies: { registry: Registry }): Promise<void> {
  const { registry } = dependencies;
  const actorOf = (request: FastifyRequest): RegistryActor => ({ audit: teamOperatorOf(request).actor, isOperator: true });

  /** `reason`: a reason past the limit, kept in its member's form with the error. */
  async function render(request: FastifyRequest<{ Querystring: { done?: string } }>, reply: FastifyReply, problem?: string, reason?: { memberId: string; text: string }) {
    const { t } = request;
    const operator = teamOperatorOf(request);
    const pending = await registry.listPendingMembers();
    const members = await Promise.all(
      pending.map(async (member) => ({
        id: member.id,
        identifier: formatMember({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code }),
        organisation: (await findConsoleOrganisation(app.db, member.organisation_id))?.name ?? member.organisation_id,
        organisationId: member.organisation_id,
        askedAt: member.created_at,
        reason: reason?.memberId === member.id ? reason.text : '',
        reasonError: reason?.memberId === member.id ? { text: t('exchange.pages.errors.reasonTooLong', { max: MAX_REFUSAL_REASON }) } : undefined,
      })),
    );
    const done = request.query?.done === 'approved' || request.query?.done === 'refused' ? t(`exchange.pages.pendingMembers.done.${request.query.done}`) : undefined;
    const errors = reason ? [{ text: t('exchange.pages.errors.reasonTooLong', { max: MAX_REFUSAL_REASON }), href: `#reason-${reason.memberId}` }] : problem ? [{ text: t(`exchange.pages.errors.${problem}`), href: '#members' }] : [];
    return reply.code(reason ? 400 : problem ? 409 : 200).render(VIEW, {
      pageTitle: t('exchange.pages.pendingMembers.title'),
      serviceName: operator.console.name,
      serviceUrl: operator.console.href,
      navigation: operator.navigation,
      backLink: '/console/operator',
      base: PENDING_MEMBERS_PATH,
      done,
      errors,
      maxReason: MAX_REFUSAL_REASON,
      members,
    });
  }

  await app.register(async (pages) => {
    pages.addHook('preHandler', requireOperator);
    const memberParams = { type: 'object', properties: { memberId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['memberId'] };
    const query = { type: 'object', properties: { done: { type: 'string', maxLength: 40 } } };

    pages.get<{ Querystring: { done?: string } }>(PENDING_MEMBERS_PATH, { schema: { querystring: query } }, (request, reply) => render(request, reply));

    const reasonOf = (body: unknown) => {
      const value = (body as Record<string, unknown> | undefined)?.reason;
      return typeof value === 'string' ? value : '';
    };
    for (const action of ['approve', 'refuse'] as const) {
      pages.post<{ Params: MemberParams; Querystring: { done?: string } }>(`${PENDING_MEMBERS_PATH}/:memberId/${action}`, { schema: { params: memberParams } }, async (request, reply) => {
        try {
          if (action === 'approve') await registry.approveMember(request.params.memberId, actorOf(request));
          else await registry.refuseMember({ memberId: request.params.memberId, actor: actorOf(request), reason: reasonOf(request.body) });
        } catch (error) {
          if (error instanceof ExchangeError && error.code === 'exchange.INVALID_REASON') return render(request, reply, undefined, { memberId: request.params.memberId, text: reasonOf(request.body) });
          // Decided already (another operator, a second tab, a replay), or refused with a subsystem of its own.
          if (error instanceof ExchangeError && error.code === 'exchange.MEMBER_NOT_PENDING') return render(request, reply, 'memberDecided');
          throw error;
        }
        return reply.redirect(`${PENDING_MEMBERS_PATH}?done=${action === 'approve' ? 'approved' : 'refused'}`, 303);
      });
    }
  });
}
