import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { ExchangeError } from '../exchange.errors.ts';
import type { Endpoint } from '../registry/openapi-description.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import { createRegistryVersionStore } from '../registry/registry-version.store.ts';
import type { RegistryActor } from '../registry/registry.ts';
import { createAgreementStore, type AgreementRow } from './agreement.store.ts';
import { JsonPathError, parseJsonPath } from './json-fields.ts';

/** UK GDPR article 6(1): the lawful bases for processing personal data. */
export const LAWFUL_BASES = ['consent', 'contract', 'legal-obligation', 'vital-interests', 'public-task', 'legitimate-interests'] as const;
const TEXT_LIMIT = 500;
const MAX_FIELDS = 100;

function requireText(raw: string | undefined, what: string): string {
  const text = (raw ?? '').trim();
  if (text === '' || text.length > TEXT_LIMIT || /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text)) throw new ExchangeError('exchange.INVALID_AGREEMENT', `Give the ${what} in 1 to ${TEXT_LIMIT} characters on one line`);
  return text;
}

function requireDay(raw: string, what: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00.000Z`) : new Date(Number.NaN);
  if (Number.isNaN(day.getTime())) throw new ExchangeError('exchange.INVALID_AGREEMENT', `The ${what} must be a date such as 2027-03-31`);
  return day;
}

/**
 * Data sharing agreements: drafted for a provider member, a consumer member and a service, with
 * a purpose, a lawful basis (and legal gateway), the fields the consumer may receive and an end
 * date; in force once both members approve, until it ends, is ended by either, or expires.
 * Either side may suspend one in force (calls are refused) and only that side resumes it.
 */
export function createAgreements(dependencies: { db: Database; audit: AuditService; clock?: () => Date }) {
  const { db, audit } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  async function changeState(id: string, asMemberId: string, actor: RegistryActor, change: (agreement: AgreementRow, side: 'provider' | 'consumer', now: string) => { changes: Partial<AgreementRow>; action: string } ) {
    await db.transaction().execute(async (transaction) => {
      await createRegistryVersionStore(transaction).bump();
      const store = createAgreementStore(transaction);
      const agreement = await store.find(id);
      if (!agreement) throw new ExchangeError('exchange.AGREEMENT_NOT_FOUND', 'There is no such agreement', 404);
      const side = agreement.provider_member_id === asMemberId ? 'provider' : agreement.consumer_member_id === asMemberId ? 'consumer' : undefined;
      if (!side) throw new ExchangeError('exchange.AGREEMENT_NOT_FOUND', 'That member is not a party to the agreement', 404);
      const { changes, action } = change(agreement, side, clock().toISOString());
      if (!(await store.update(id, changes, agreement.status))) throw new ExchangeError('exchange.AGREEMENT_STATE', 'The agreement changed meanwhile: try again', 409);
      await audit.record({ actor: actor.audit, action, subject: `exchange-agreement:${id}`, outcome: 'success', details: { as_member: asMemberId, side, status: changes.status ?? agreement.status } }, transaction);
    });
  }

  return {
    async add(input: { providerMemberId: string; consumerMemberId: string; serviceId: string; purpose: string; lawfulBasis: string; legalGateway?: string; fields: string; from?: string; until: string; actor: RegistryActor }): Promise<string> {
      const registry = createRegistryStore(db);
      const [provider, consumer, service] = await Promise.all([registry.findMember(input.providerMemberId), registry.findMember(input.consumerMemberId), registry.findService(input.serviceId)]);
      if (!provider || !consumer || provider.status !== 'approved' || consumer.status !== 'approved') throw new ExchangeError('exchange.MEMBER_NOT_FOUND', 'Both members must be approved members of the exchange', 404);
      if (provider.id === consumer.id) throw new ExchangeError('exchange.INVALID_AGREEMENT', 'The provider and the consumer must be different members');
      const providerSubsystem = service ? await registry.findSubsystem(service.subsystem_id) : undefined;
      if (!service || providerSubsystem?.member_id !== provider.id) throw new ExchangeError('exchange.SERVICE_NOT_FOUND', 'The provider member has no such service', 404);
      const purpose = requireText(input.purpose, 'purpose');
      if (!(LAWFUL_BASES as readonly string[]).includes(input.lawfulBasis)) throw new ExchangeError('exchange.INVALID_AGREEMENT', `The lawful basis must be one of ${LAWFUL_BASES.join(', ')} (UK GDPR article 6)`);
      const legalGateway = input.legalGateway === undefined ? null : requireText(input.legalGateway, 'legal gateway');
      const fields = input.fields.split(',').map((field) => field.trim()).filter(Boolean);
      const known = new Set((JSON.parse(service.endpoints) as Endpoint[]).flatMap((endpoint) => endpoint.fields));
      if (fields.length === 0 || fields.length > MAX_FIELDS) throw new ExchangeError('exchange.INVALID_AGREEMENT', `Name 1 to ${MAX_FIELDS} fields, such as $.status,$.rate`);
      for (const field of fields) {
        try {
          parseJsonPath(field);
        } catch (error) {
          if (error instanceof JsonPathError) throw new ExchangeError('exchange.INVALID_AGREEMENT', error.message);
          throw error;
        }
        if (!known.has(field)) throw new ExchangeError('exchange.INVALID_AGREEMENT', `${field} is not a field the service's answers hold`);
      }
      const now = clock();
      const startsAt = input.from === undefined ? now : requireDay(input.from, 'start date');
      // The end date is the last day the agreement is in force.
      const endsAt = new Date(requireDay(input.until, 'end date').getTime() + 86_400_000);
      if (endsAt <= now || endsAt <= startsAt) throw new ExchangeError('exchange.INVALID_AGREEMENT', 'The end date must be after the start date, and not in the past');
      const id = crypto.randomUUID();
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        await createAgreementStore(transaction).insert({
          id,
          provider_member_id: provider.id,
          consumer_member_id: consumer.id,
          service_id: service.id,
          purpose,
          lawful_basis: input.lawfulBasis,
          legal_gateway: legalGateway,
          fields: JSON.stringify(fields),
          starts_at: startsAt.toISOString(),
          ends_at: endsAt.toISOString(),
          status: 'draft',
          created_by: input.actor.audit,
          created_at: now.toISOString(),
          provider_approved_by: null,
          provider_approved_at: null,
          consumer_approved_by: null,
          consumer_approved_at: null,
          ended_by: null,
          ended_at: null,
          suspended_by: null,
          suspended_at: null,
          suspended_side: null,
        });
        await audit.record({ actor: input.actor.audit, action: 'exchange.agreement.drafted', subject: `exchange-agreement:${id}`, outcome: 'success', details: { service_id: service.id, provider_member_id: provider.id, consumer_member_id: consumer.id, lawful_basis: input.lawfulBasis, fields: fields.join(','), ends_at: endsAt.toISOString() } }, transaction);
      });
      return id;
    },

    /** One side approves a draft; with both sides' approval it is in force. */
    async approve(id: string, asMemberId: string, actor: RegistryActor): Promise<AgreementRow['status']> {
      let status: AgreementRow['status'] = 'draft';
      await changeState(id, asMemberId, actor, (agreement, side, now) => {
        if (agreement.status !== 'draft') throw new ExchangeError('exchange.AGREEMENT_STATE', `The agreement is ${agreement.status}: only a draft is approved`);
        if (agreement[`${side}_approved_at`] !== null) throw new ExchangeError('exchange.AGREEMENT_STATE', `The ${side} has approved it already`);
        const otherApproved = agreement[side === 'provider' ? 'consumer_approved_at' : 'provider_approved_at'] !== null;
        status = otherApproved ? 'active' : 'draft';
        return { changes: { [`${side}_approved_by`]: actor.audit, [`${side}_approved_at`]: now, status }, action: 'exchange.agreement.approved' };
      });
      return status;
    },

    /** Either side stops calls under an agreement in force for a while: only that side resumes it. */
    async suspend(id: string, asMemberId: string, actor: RegistryActor): Promise<void> {
      await changeState(id, asMemberId, actor, (agreement, side, now) => {
        if (agreement.status !== 'active') throw new ExchangeError('exchange.AGREEMENT_STATE', `The agreement is ${agreement.status}: only one in force is suspended`);
        return { changes: { status: 'suspended', suspended_by: actor.audit, suspended_at: now, suspended_side: side }, action: 'exchange.agreement.suspended' };
      });
    },

    /** The side that suspended the agreement puts it back in force (until its end date). */
    async resume(id: string, asMemberId: string, actor: RegistryActor): Promise<void> {
      await changeState(id, asMemberId, actor, (agreement, side) => {
        if (agreement.status !== 'suspended') throw new ExchangeError('exchange.AGREEMENT_STATE', `The agreement is ${agreement.status}: only a suspended one is resumed`);
        if (agreement.suspended_side !== side) throw new ExchangeError('exchange.AGREEMENT_STATE', `The ${agreement.suspended_side} suspended it: only the ${agreement.suspended_side} resumes it`);
        return { changes: { status: 'active', suspended_by: null, suspended_at: null, suspended_side: null }, action: 'exchange.agreement.resumed' };
      });
    },

    /** Either side ends it, whatever its state; an ended agreement stays ended. */
    async end(id: string, asMemberId: string, actor: RegistryActor): Promise<void> {
      await changeState(id, asMemberId, actor, (agreement, _side, now) => {
        if (agreement.status === 'ended') throw new ExchangeError('exchange.AGREEMENT_STATE', 'The agreement has ended already');
        return { changes: { status: 'ended', ended_by: actor.audit, ended_at: now }, action: 'exchange.agreement.ended' };
      });
    },
  };
}

export type Agreements = ReturnType<typeof createAgreements>;
