import { parse as parseYaml } from 'yaml';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import type { Config } from '../../../platform/config/config.schema.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { createExchangeTeamStore } from '../pages/exchange-team.store.ts';
import { formatService, formatSubsystem, IdentifierError, parseCallTarget, parseSubsystem } from '../registry/identifiers.ts';
import type { Endpoint } from '../registry/openapi-description.ts';
import { createRegistryStore, type MemberRow, type ServiceRow, type SubsystemRow } from '../registry/registry.store.ts';
import { createRegistry, type RegistryActor } from '../registry/registry.ts';
import { createAgreementStore, type AgreementStatus } from './agreement.store.ts';
import { createAgreements } from './agreements.ts';

/** A registered service as the catalogue describes it: its /r1 address and what its OpenAPI description says of itself. */
export type ExchangeServiceSummary = {
  id: string;
  /** `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE` */
  identifier: string;
  organisationId: string;
  title?: string;
  description?: string;
  version?: string;
  /** The JSON paths its answers hold, which an agreement may name. */
  fields: string[];
};

/** An agreement as the two parties' organisations see it; `lastDay` is the last day it is in force. */
export type AgreementSummary = {
  id: string;
  status: AgreementStatus;
  providerOrganisationId: string;
  consumerOrganisationId: string;
  serviceId: string;
  purpose: string;
  lawfulBasis: string;
  fields: string[];
  lastDay: string;
  providerApproved: boolean;
  consumerApproved: boolean;
};

const DAY = 86_400_000;
const lastDayOf = (endsAt: string) => new Date(Date.parse(endsAt) - DAY).toISOString().slice(0, 10);

function readInfo(openApi: string): { title?: string; description?: string; version?: string } {
  try {
    const info = (parseYaml(openApi) as { info?: Record<string, unknown> } | null)?.info ?? {};
    const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
    return { title: text(info.title), description: text(info.description), version: typeof info.version === 'number' ? String(info.version) : text(info.version) };
  } catch {
    return {};
  }
}

/** An agreement asked for through the data catalogue is in force for at most this many years from the day it is asked. */
export const MAX_ASKED_AGREEMENT_YEARS = 5;

/** The last day (YYYY-MM-DD) an agreement asked for on `today` may be in force. */
export function findLatestAskedLastDay(today: Date): string {
  return new Date(Date.UTC(today.getUTCFullYear() + MAX_ASKED_AGREEMENT_YEARS, today.getUTCMonth(), today.getUTCDate())).toISOString().slice(0, 10);
}

/**
 * Access to a service asked for through the data catalogue: the consumer's organisation drafts an
 * agreement for one of its own subsystems (its asking is its approval), the provider's narrows it
 * (fewer fields, an earlier end: still within what was asked, so the asking still covers it),
 * approves it (in force, and the subsystem gets its access right) or refuses it (ended). Each
 * party acts only as the organisation the console signed its person in for.
 */
export function createAgreementRequests(dependencies: { db: Database; audit: AuditService; config: Config; clock?: () => Date }) {
  const { db, audit, config } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const instance = config.EXCHANGE_INSTANCE;
  const registryStore = createRegistryStore(db);
  const teamStore = createExchangeTeamStore(db);
  const agreements = createAgreements({ db, audit, clock });
  const registry = createRegistry({ db, audit, instance, outbound: outboundPolicyOf(config), clock });
  const actorOf = (audit: string): RegistryActor => ({ audit, isOperator: false });

  async function approvedMemberOf(organisationId: string): Promise<MemberRow | undefined> {
    const member = await teamStore.findMemberOfOrganisation(organisationId, instance);
    return member?.status === 'approved' ? member : undefined;
  }

  function summaryOf(service: ServiceRow, subsystem: SubsystemRow, member: MemberRow): ExchangeServiceSummary {
    return {
      id: service.id,
      identifier: formatService({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: subsystem.subsystem_code, serviceCode: service.service_code }),
      organisationId: member.organisation_id,
      ...readInfo(service.openapi),
      fields: [...new Set((JSON.parse(service.endpoints) as Endpoint[]).flatMap((endpoint) => endpoint.fields))].sort(),
    };
  }

  /** The agreement, when `organisationId` is its party on `side`; otherwise as if there were none. */
  async function requireAgreement(agreementId: string, organisationId: string, side: 'provider' | 'consumer') {
    const member = await approvedMemberOf(organisationId);
    const agreement = /^[0-9a-f-]{36}$/.test(agreementId) ? await createAgreementStore(db).find(agreementId) : undefined;
    if (!member || !agreement || agreement[`${side}_member_id`] !== member.id) throw new ExchangeError('exchange.AGREEMENT_NOT_FOUND', 'There is no such agreement', 404);
    return { member, agreement };
  }

  async function requireOwnSubsystem(subsystem: string, member: MemberRow) {
    let found;
    try {
      const id = parseSubsystem(subsystem);
      found = id.instance === instance ? await registryStore.findSubsystemByIdentifier(id) : undefined;
    } catch (error) {
      if (!(error instanceof IdentifierError)) throw error;
    }
    if (!found || found.member_id !== member.id) throw new ExchangeError('exchange.SUBSYSTEM_NOT_FOUND', 'That is not a subsystem of your organisation', 404);
    return found;
  }

  return {
    /** The /r1 address a service is called at on this platform. */
    addressOf: (identifier: string) => `${config.BASE_URL.replace(/\/$/, '')}/r1/${identifier}`,

    /** The services of the organisation's approved member, for it to publish in the catalogue. */
    async listServicesOf(organisationId: string): Promise<ExchangeServiceSummary[]> {
      const member = await approvedMemberOf(organisationId);
      if (!member) return [];
      const summaries: ExchangeServiceSummary[] = [];
      for (const subsystem of await registryStore.listSubsystems(member.id)) {
        for (const service of await registryStore.listServices(subsystem.id)) summaries.push(summaryOf(service, subsystem, member));
      }
      return summaries;
    },

    /** The registered service an address of this platform's /r1 names (with no path after it), if any. */
    async findServiceAt(address: string): Promise<ExchangeServiceSummary | undefined> {
      const prefix = `${config.BASE_URL.replace(/\/$/, '')}/r1/`;
      if (!address.startsWith(prefix)) return undefined;
      let target;
      try {
        target = parseCallTarget(address.slice(prefix.length));
      } catch (error) {
        if (error instanceof IdentifierError) return undefined;
        throw error;
      }
      if (target.path !== '' || target.query !== '' || target.service.instance !== instance) return undefined;
      const subsystem = await registryStore.findSubsystemByIdentifier(target.service);
      const service = subsystem && subsystem.member.status === 'approved' ? await registryStore.findServiceByCode(subsystem.id, target.service.serviceCode) : undefined;
      return service && subsystem ? summaryOf(service, subsystem, subsystem.member) : undefined;
    },

    /**
     * Whether an address is under this platform's /r1/ (in any spelling the gateway answers: /R1/,
     * the host in capitals) and, if so, the organisation of the approved member it names (none when
     * it names no approved member, or nothing that parses): for the catalogue, which lets only that
     * organisation hold a record of that identifier.
     */
    async findMemberOrganisationAt(address: string): Promise<{ organisationId: string | undefined } | undefined> {
      const base = new URL(config.BASE_URL);
      const prefix = `${base.pathname.replace(/\/$/, '')}/r1`;
      const url = URL.canParse(address) ? new URL(address) : undefined;
      const path = url?.pathname.toLowerCase() ?? '';
      if (!url || url.origin !== base.origin || !(path === prefix.toLowerCase() || path.startsWith(`${prefix.toLowerCase()}/`))) return undefined;
      let target;
      try {
        target = parseCallTarget(url.pathname.slice(prefix.length + 1));
      } catch (error) {
        if (error instanceof IdentifierError) return { organisationId: undefined };
        throw error;
      }
      const member = target.service.instance === instance ? await registryStore.findMemberByIdentifier(instance, target.service.memberClass, target.service.memberCode) : undefined;
      return { organisationId: member?.status === 'approved' ? member.organisation_id : undefined };
    },

    /** The subsystems of the organisation's approved member, as identifiers. */
    async listSubsystemsOf(organisationId: string): Promise<string[]> {
      const member = await approvedMemberOf(organisationId);
      if (!member) return [];
      return (await registryStore.listSubsystems(member.id)).map((subsystem) =>
        formatSubsystem({ instance: member.instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: subsystem.subsystem_code }),
      );
    },

    /** Drafts the agreement a consumer asks for, approved on its side. Returns its id. */
    async ask(input: { serviceId: string; consumerOrganisationId: string; subsystem: string; purpose: string; lawfulBasis: string; fields: readonly string[]; until: string; actor: string }): Promise<string> {
      const consumer = await approvedMemberOf(input.consumerOrganisationId);
      if (!consumer) throw new ExchangeError('exchange.MEMBER_NOT_FOUND', 'Your organisation is not an approved member of the exchange', 404);
      await requireOwnSubsystem(input.subsystem, consumer);
      const service = await registryStore.findService(input.serviceId);
      const provider = service ? await registryStore.findSubsystem(service.subsystem_id) : undefined;
      if (!service || !provider) throw new ExchangeError('exchange.SERVICE_NOT_FOUND', 'There is no such service', 404);
      const latest = findLatestAskedLastDay(clock());
      if (input.until > latest) throw new ExchangeError('exchange.INVALID_AGREEMENT', `The end date must be no later than ${latest}: at most ${MAX_ASKED_AGREEMENT_YEARS} years from today`);
      const id = await agreements.add({
        providerMemberId: provider.member_id,
        consumerMemberId: consumer.id,
        serviceId: service.id,
        purpose: input.purpose,
        lawfulBasis: input.lawfulBasis,
        fields: input.fields.join(','),
        until: input.until,
        actor: actorOf(input.actor),
      });
      await agreements.approve(id, consumer.id, actorOf(input.actor));
      return id;
    },

    async find(agreementId: string, organisationId: string, side: 'provider' | 'consumer'): Promise<AgreementSummary> {
      const { agreement } = await requireAgreement(agreementId, organisationId, side);
      const [provider, consumer] = await Promise.all([registryStore.findMember(agreement.provider_member_id), registryStore.findMember(agreement.consumer_member_id)]);
      return {
        id: agreement.id,
        status: agreement.status,
        providerOrganisationId: provider!.organisation_id,
        consumerOrganisationId: consumer!.organisation_id,
        serviceId: agreement.service_id,
        purpose: agreement.purpose,
        lawfulBasis: agreement.lawful_basis,
        fields: JSON.parse(agreement.fields) as string[],
        lastDay: lastDayOf(agreement.ends_at),
        providerApproved: agreement.provider_approved_at !== null,
        consumerApproved: agreement.consumer_approved_at !== null,
      };
    },

    /** The provider narrows a draft: some of its fields, an end no later than asked. */
    async amend(input: { agreementId: string; providerOrganisationId: string; fields: readonly string[]; until: string; actor: string }): Promise<void> {
      const { member, agreement } = await requireAgreement(input.agreementId, input.providerOrganisationId, 'provider');
      if (agreement.status !== 'draft' || agreement.provider_approved_at !== null) throw new ExchangeError('exchange.AGREEMENT_STATE', 'Only a draft you have not approved can be changed', 409);
      const asked = JSON.parse(agreement.fields) as string[];
      if (input.fields.length === 0 || input.fields.some((field) => !asked.includes(field))) throw new ExchangeError('exchange.INVALID_AGREEMENT', 'Choose some of the fields asked for');
      const endsAt = /^\d{4}-\d{2}-\d{2}$/.test(input.until) && !Number.isNaN(Date.parse(`${input.until}T00:00:00Z`)) ? new Date(Date.parse(`${input.until}T00:00:00Z`) + DAY) : undefined;
      if (!endsAt || endsAt.toISOString() > agreement.ends_at || endsAt <= clock() || endsAt.toISOString() <= agreement.starts_at) {
        throw new ExchangeError('exchange.INVALID_AGREEMENT', 'The end date must be in the future and no later than the one asked for');
      }
      const fields = asked.filter((field) => input.fields.includes(field));
      await db.transaction().execute(async (transaction) => {
        if (!(await createAgreementStore(transaction).update(agreement.id, { fields: JSON.stringify(fields), ends_at: endsAt.toISOString() }, 'draft'))) {
          throw new ExchangeError('exchange.AGREEMENT_STATE', 'The agreement changed meanwhile: try again', 409);
        }
        await audit.record({ actor: input.actor, action: 'exchange.agreement.amended', subject: `exchange-agreement:${agreement.id}`, outcome: 'success', details: { as_member: member.id, fields: fields.join(','), ends_at: endsAt.toISOString() } }, transaction);
      });
    },

    /** The provider approves: the agreement is in force and the consumer's subsystem may call the service. */
    async approve(input: { agreementId: string; providerOrganisationId: string; subsystem: string; actor: string }): Promise<AgreementStatus> {
      const { member, agreement } = await requireAgreement(input.agreementId, input.providerOrganisationId, 'provider');
      const consumer = await registryStore.findMember(agreement.consumer_member_id);
      const client = await requireOwnSubsystem(input.subsystem, consumer!);
      const status = await agreements.approve(agreement.id, member.id, actorOf(input.actor));
      if ((await registryStore.listActiveAccessRights(agreement.service_id, client.id)).length === 0) {
        await registry.grantAccess({ serviceId: agreement.service_id, client: input.subsystem, actor: actorOf(input.actor) });
      }
      return status;
    },

    /**
     * Each agreement's status now, for the organisation on `side`: `expired` when in force past its
     * end; agreements it is not a party to are left out.
     */
    async listStatuses(agreementIds: readonly string[], organisationId: string, side: 'provider' | 'consumer'): Promise<Map<string, AgreementStatus | 'expired'>> {
      const member = await approvedMemberOf(organisationId);
      const ids = agreementIds.filter((id) => /^[0-9a-f-]{36}$/.test(id));
      const rows = member ? await createAgreementStore(db).findMany(ids) : [];
      const now = clock().toISOString();
      return new Map(rows.filter((row) => row[`${side}_member_id`] === member!.id).map((row) => [row.id, row.status === 'active' && row.ends_at <= now ? 'expired' : row.status]));
    },

    /** The consumer withdraws a draft it asked for, before the provider approves it: it ends, never in force. */
    async withdraw(input: { agreementId: string; consumerOrganisationId: string; actor: string }): Promise<void> {
      const { member, agreement } = await requireAgreement(input.agreementId, input.consumerOrganisationId, 'consumer');
      if (agreement.status !== 'draft') throw new ExchangeError('exchange.AGREEMENT_STATE', `The agreement is ${agreement.status}: only a draft is withdrawn`, 409);
      await agreements.end(agreement.id, member.id, actorOf(input.actor));
    },

    /** The provider refuses a draft: it ends, never in force. */
    async refuse(input: { agreementId: string; providerOrganisationId: string; actor: string }): Promise<void> {
      const { member, agreement } = await requireAgreement(input.agreementId, input.providerOrganisationId, 'provider');
      if (agreement.status !== 'draft') throw new ExchangeError('exchange.AGREEMENT_STATE', `The agreement is ${agreement.status}: only a draft is refused`, 409);
      await agreements.end(agreement.id, member.id, actorOf(input.actor));
    },
  };
}

export type AgreementRequests = ReturnType<typeof createAgreementRequests>;
