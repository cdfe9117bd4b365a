import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireTeamMember, teamMemberOf, teamPageChrome } from '../../../platform/http/team-access.ts';
import { findConsoleOrganisation } from '../../console/console.contract.ts';
import { createAgreements } from '../agreements/agreements.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { formatMember, formatSubsystem, isCode, isMemberClass } from '../registry/identifiers.ts';
import type { Registry, RegistryActor } from '../registry/registry.ts';
import type { MemberRow } from '../registry/registry.store.ts';
import { createExchangeTeamStore } from './exchange-team.store.ts';
import { registerAccessRightPages } from './access-rights.pages.ts';
import { registerPendingMemberPages } from './pending-members.pages.ts';
import { registerRegistrationPages } from './registration.pages.ts';
import { registerSubsystemKeyPages } from './subsystem-keys.pages.ts';
import { registerSubsystemPayloadPages } from './subsystem-payloads.pages.ts';

const VIEW = 'modules/exchange/pages/exchange-team.njk';
/** The member classes offered on the form; others (X-Road allows any) are for operators to add. */
export const OFFERED_CLASSES = ['GOV', 'COM', 'NGO'] as const;
const DONE = ['requested', 'approved', 'suspended', 'resumed', 'ended', 'subsystemAdded', 'serviceAdded'] as const;
const AGREEMENT_ACTIONS = { approve: 'approved', suspend: 'suspended', resume: 'resumed', end: 'ended' } as const;

type Params = { organisationId: string };
type AgreementParams = Params & { agreementId: string };
type MembershipForm = { memberClass: string; memberCode: string; problems: Array<{ field: 'memberClass' | 'memberCode'; key: string }> };

const textOf = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/**
 * An organisation's Exchange pages, under /console/exchange/ORGANISATION_ID for the members of
 * that console organisation (the console signs them in; see platform/http/team-access.ts). Not a
 * member of the exchange yet: owners and developers ask to become one, and an operator approves.
 * A member: its subsystems, services, and the data sharing agreements it is a party to, each
 * approved or ended for its own side. Viewers read.
 */
export async function registerExchangeTeamPages(app: FastifyInstance, dependencies: { registry: Registry }): Promise<void> {
  const { registry } = dependencies;
  const store = createExchangeTeamStore(app.db);
  const agreements = createAgreements({ db: app.db, audit: app.audit });
  const baseOf = (organisationId: string) => `/console/exchange/${organisationId}`;
  const actorOf = (request: FastifyRequest): RegistryActor => ({ audit: teamMemberOf(request).actor, isOperator: false });

  const chrome = (request: FastifyRequest<{ Params: Params }>) => teamPageChrome(request, { href: baseOf(request.params.organisationId), text: request.t('exchange.pages.name') });


  async function describeMember(member: MemberRow) {
    const [subsystems, services, rows] = await Promise.all([store.listSubsystems(member.id), store.listServices(member.id), store.listAgreements(member.id)]);
    const others = await store.findMembers([...new Set(rows.map((row) => (row.provider_member_id === member.id ? row.consumer_member_id : row.provider_member_id)))]);
    const nameOf = async (other: MemberRow | undefined) => (other ? ((await findConsoleOrganisation(app.db, other.organisation_id))?.name ?? formatMember(identifierOf(other))) : '');
    const identifierOf = (row: MemberRow) => ({ instance: row.instance, memberClass: row.member_class, memberCode: row.member_code });
    const subsystemId = (code: string, of: MemberRow | undefined) => (of ? formatSubsystem({ ...identifierOf(of), subsystemCode: code }) : code);
    return {
      identifier: formatMember(identifierOf(member)),
      subsystems: subsystems.map((row) => ({ id: row.id, identifier: subsystemId(row.subsystem_code, member), keys: Number(row.keys) })),
      services: services.map((row) => ({ id: row.id, identifier: `${subsystemId(row.subsystem_code, member)}/${row.service_code}`, baseUrl: row.base_url, personalData: row.personal_data === 1, underConsent: row.under_consent === 1 })),
      agreements: await Promise.all(
        rows.map(async (row) => {
          const side = row.provider_member_id === member.id ? 'provider' : 'consumer';
          const provider = side === 'provider' ? member : others.find((other) => other.id === row.provider_member_id);
          const other = others.find((candidate) => candidate.id === (side === 'provider' ? row.consumer_member_id : row.provider_member_id));
          return {
            id: row.id,
            side,
            otherName: await nameOf(other),
            service: `${subsystemId(row.subsystem_code, provider)}/${row.service_code}`,
            purpose: row.purpose,
            lawfulBasis: row.lawful_basis,
            legalGateway: row.legal_gateway,
            fields: (JSON.parse(row.fields) as string[]).join(', '),
            lastDay: new Date(Date.parse(row.ends_at) - 86_400_000).toISOString().slice(0, 10),
            status: row.status === 'active' && row.ends_at <= new Date().toISOString() ? 'expired' : row.status,
            approvedByUs: row[`${side}_approved_at`] !== null,
            approvedByThem: row[side === 'provider' ? 'consumer_approved_at' : 'provider_approved_at'] !== null,
            suspendedByUs: row.status === 'suspended' && row.suspended_side === side,
          };
        }),
      ),
    };
  }

  async function renderOverview(request: FastifyRequest<{ Params: Params; Querystring: { done?: string } }>, reply: FastifyReply, problems: { membership?: MembershipForm; agreement?: string } = {}) {
    const { t } = request;
    const page = chrome(request);
    const member = await store.findMemberOfOrganisation(request.params.organisationId, registry.instance);
    const form = problems.membership ?? { memberClass: '', memberCode: '', problems: [] };
    const fieldError = (field: MembershipForm['problems'][number]['field']) => {
      const found = form.problems.find((problem) => problem.field === field);
      return found ? { text: t(`exchange.pages.errors.${found.key}`) } : undefined;
    };
    const done = (DONE as readonly string[]).includes(request.query?.done ?? '') ? t(`exchange.pages.done.${request.query.done}`) : undefined;
    const errors = [
      ...form.problems.map((problem) => ({ text: t(`exchange.pages.errors.${problem.key}`), href: `#${problem.field}` })),
      ...(problems.agreement ? [{ text: t(`exchange.pages.errors.${problems.agreement}`), href: '#agreements' }] : []),
    ];
    return reply.code(errors.length === 0 ? 200 : problems.agreement ? 409 : 400).render(VIEW, {
      ...page,
      pageTitle: t('exchange.pages.title'),
      done,
      errors,
      member: member && member.status !== 'refused' ? { status: member.status, ...(await describeMember(member)) } : undefined,
      refusal: member?.status === 'refused' ? { identifier: formatMember({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code }), ...(await registry.findRefusal(member)) } : undefined,
      form: { ...form, classes: OFFERED_CLASSES, classError: fieldError('memberClass'), codeError: fieldError('memberCode') },
    });
  }

  await registerPendingMemberPages(app, { registry });
  await app.register(async (pages) => {
    pages.addHook('preHandler', requireTeamMember({ kind: 'organisation', idParam: 'organisationId' }));
    const params = { type: 'object', properties: { organisationId: { type: 'string', maxLength: 64 } }, required: ['organisationId'] };
    const agreementParams = { type: 'object', properties: { organisationId: { type: 'string', maxLength: 64 }, agreementId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['organisationId', 'agreementId'] };

    pages.get<{ Params: Params; Querystring: { done?: string } }>('/console/exchange/:organisationId', { schema: { params } }, (request, reply) => renderOverview(request, reply));
    registerRegistrationPages(pages, { registry, chrome });
    registerAccessRightPages(pages, { registry, chrome });
    registerSubsystemKeyPages(pages, { registry, chrome });
    registerSubsystemPayloadPages(pages, { registry, chrome });

    pages.post<{ Params: Params; Querystring: { done?: string } }>('/console/exchange/:organisationId/membership', { schema: { params } }, async (request, reply) => {
      const form: MembershipForm = { memberClass: textOf(request.body, 'memberClass'), memberCode: textOf(request.body, 'memberCode'), problems: [] };
      if (!(OFFERED_CLASSES as readonly string[]).includes(form.memberClass) || !isMemberClass(form.memberClass)) form.problems.push({ field: 'memberClass', key: 'classMissing' });
      if (form.memberCode === '') form.problems.push({ field: 'memberCode', key: 'codeMissing' });
      else if (!isCode(form.memberCode)) form.problems.push({ field: 'memberCode', key: 'codeInvalid' });
      if (form.problems.length === 0) {
        try {
          await registry.addMember({ organisationId: request.params.organisationId, memberClass: form.memberClass, memberCode: form.memberCode, actor: actorOf(request) });
          return reply.redirect(`${baseOf(request.params.organisationId)}?done=requested`, 303);
        } catch (error) {
          if (!(error instanceof ExchangeError && error.code === 'exchange.MEMBER_EXISTS')) throw error;
          // Asked twice (a second tab, a replay) or the code is another member's.
          if (await store.findMemberOfOrganisation(request.params.organisationId, registry.instance)) return reply.redirect(baseOf(request.params.organisationId), 303);
          form.problems.push({ field: 'memberCode', key: 'codeTaken' });
        }
      }
      return renderOverview(request, reply, { membership: form });
    });

    for (const action of Object.keys(AGREEMENT_ACTIONS) as (keyof typeof AGREEMENT_ACTIONS)[]) {
      pages.post<{ Params: AgreementParams; Querystring: { done?: string } }>(`/console/exchange/:organisationId/agreements/:agreementId/${action}`, { schema: { params: agreementParams } }, async (request, reply) => {
        const member = await store.findMemberOfOrganisation(request.params.organisationId, registry.instance);
        if (!member || member.status !== 'approved') return reply.callNotFound();
        try {
          await agreements[action](request.params.agreementId, member.id, actorOf(request));
        } catch (error) {
          if (error instanceof ExchangeError && error.code === 'exchange.AGREEMENT_NOT_FOUND') return reply.callNotFound();
          if (error instanceof ExchangeError && error.code === 'exchange.AGREEMENT_STATE') return renderOverview(request, reply, { agreement: 'agreementChanged' });
          throw error;
        }
        return reply.redirect(`${baseOf(request.params.organisationId)}?done=${AGREEMENT_ACTIONS[action]}`, 303);
      });
    }
  });
}
