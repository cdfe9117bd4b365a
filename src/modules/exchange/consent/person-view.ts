import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { findConsoleOrganisation } from '../../console/console.contract.ts';
import { createAgreementStore } from '../agreements/agreement.store.ts';
import { humaniseFieldPath, nameAgreedFields, type FieldName } from '../agreements/field-names.ts';
import { USER_ID_COUNTRY } from '../gateway/consent-check.ts';
import { createMessageLogStore } from '../message-log/message-log.store.ts';
import { parseSubsystem } from '../registry/identifiers.ts';
import { createRegistryStore } from '../registry/registry.store.ts';
import { createConsentStore } from './consent.store.ts';

/** The person's `sub` for each One Login client a consumer is linked to. */
export type SubjectsOfPerson = ReadonlyArray<{ clientId: string; subject: string }>;

/** One exchange of the person's data, in the words a person reads. */
export type ExchangeForPerson = {
  xRoadId: string;
  at: string;
  /** The organisation that asked, or the consumer's identifier when it has none. */
  asker: string;
  /** The organisation whose service answered. */
  holder: string;
  service: string;
  purpose: string | null;
  issue: string | null;
  consentId: string | null;
  shared: boolean;
};

export type ConsentForPerson = {
  id: string;
  consumer: string;
  holder: string;
  service: string;
  purpose: string;
  fields: string[];
  /** The same fields in plain words, in English and Welsh (see nameAgreedFields). */
  fieldNames: FieldName[];
  /** The person's record at the provider it is for; null on a consent from before records. */
  record: string | null;
  givenAt: string;
  /** The last day it can be in force. */
  lastDay: string;
  withdrawnAt: string | null;
  inForce: boolean;
};

const PAGE_SIZE = 20;

/** "Who has seen my data": the exchanges that named a person and their consents, and withdrawing one. */
export function createPersonView(dependencies: { db: Database; audit: AuditService; clock?: () => Date }) {
  const { db, audit } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const registry = createRegistryStore(db);

  /** Names looked up once per page: organisation of a member, a service's code and holder, an agreement's purpose. */
  function createNamer() {
    const memo = new Map<string, Promise<unknown>>();
    const once = <T>(key: string, find: () => Promise<T>): Promise<T> => {
      if (!memo.has(key)) memo.set(key, find());
      return memo.get(key) as Promise<T>;
    };
    const organisationName = (organisationId: string, fallback: string) => once(`organisation:${organisationId}`, async () => (await findConsoleOrganisation(db, organisationId))?.name ?? fallback);
    return {
      /** The organisation of `INSTANCE/CLASS/MEMBER/SUBSYSTEM[/...]`, or the identifier itself. */
      ownerOf: (identifier: string | null) =>
        once(`owner:${identifier}`, async () => {
          if (identifier === null) return '';
          let subsystem;
          try {
            subsystem = await registry.findSubsystemByIdentifier(parseSubsystem(identifier.split('/').slice(0, 4).join('/')));
          } catch {
            return identifier;
          }
          return subsystem ? organisationName(subsystem.member.organisation_id, identifier) : identifier;
        }),
      memberName: (memberId: string) =>
        once(`member:${memberId}`, async () => {
          const member = await registry.findMember(memberId);
          return member ? organisationName(member.organisation_id, member.member_code) : memberId;
        }),
      service: (serviceId: string) =>
        once(`service:${serviceId}`, async () => {
          const service = await registry.findService(serviceId);
          const subsystem = service && (await registry.findSubsystem(service.subsystem_id));
          return { code: service?.service_code ?? '', openApi: service?.openapi, holder: subsystem ? await organisationName(subsystem.member.organisation_id, subsystem.member.member_code) : '' };
        }),
      agreement: (agreementId: string | null) => once(`agreement:${agreementId}`, async () => (agreementId ? createAgreementStore(db).find(agreementId) : undefined)),
      /** Each agreement's fields in words, from its service's description, read once a page. */
      fieldNames: (agreementId: string, openApi: string | undefined, fields: string[]) =>
        once(`field-names:${agreementId}`, async () => (openApi === undefined ? fields.map((path) => ({ path, en: humaniseFieldPath(path), cy: humaniseFieldPath(path) })) : nameAgreedFields({ openApi, fields }))),
    };
  }

  return {
    pageSize: PAGE_SIZE,

    /** A page (from 1) of the exchanges that named the person, newest first; `more` when a next page has some. */
    async listExchanges(subjects: SubjectsOfPerson, page: number): Promise<{ exchanges: ExchangeForPerson[]; more: boolean }> {
      const userIds = [...new Set(subjects.map((one) => `${USER_ID_COUNTRY}${one.subject}`))];
      const rows = await createMessageLogStore(db).listForPeople(userIds, { limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE });
      const namer = createNamer();
      const exchanges = await Promise.all(
        rows.slice(0, PAGE_SIZE).map(async (row) => {
          const agreement = await namer.agreement(row.agreement_id);
          return {
            xRoadId: row.x_road_id,
            at: row.recorded_at,
            asker: await namer.ownerOf(row.client),
            holder: await namer.ownerOf(row.service),
            service: row.service?.split('/')[4] ?? '',
            purpose: agreement?.purpose ?? null,
            issue: row.issue,
            consentId: row.consent_id,
            shared: row.error_type === null && row.status_code < 400,
          };
        }),
      );
      return { exchanges, more: rows.length > PAGE_SIZE };
    },

    async listConsents(subjects: SubjectsOfPerson): Promise<ConsentForPerson[]> {
      const now = clock().toISOString();
      const namer = createNamer();
      return Promise.all(
        (await createConsentStore(db).listOfSubjects(subjects)).map(async (consent) => {
          const [agreement, service] = await Promise.all([namer.agreement(consent.agreement_id), namer.service(consent.service_id)]);
          const fields = agreement ? (JSON.parse(agreement.fields) as string[]) : [];
          return {
            id: consent.id,
            consumer: await namer.memberName(consent.consumer_member_id),
            holder: service.holder,
            service: service.code,
            purpose: agreement?.purpose ?? '',
            fields,
            fieldNames: await namer.fieldNames(consent.agreement_id, service.openApi, fields),
            record: consent.record,
            givenAt: consent.given_at,
            lastDay: new Date(Date.parse(consent.expires_at) - 86_400_000).toISOString().slice(0, 10),
            withdrawnAt: consent.withdrawn_at,
            // One from before consents named a record lets no call through: it is not shown as in force.
            inForce: consent.status === 'active' && consent.expires_at > now && consent.record !== null,
          };
        }),
      );
    },

    /** Withdraws one of the person's own consents: the next call that needs it is refused. False when it is not theirs or not active. */
    async withdrawConsent(input: { consentId: string; subjects: SubjectsOfPerson; actor: string; requestId?: string }): Promise<boolean> {
      const consent = /^[0-9a-f-]{36}$/.test(input.consentId) ? await createConsentStore(db).findConsent(input.consentId) : undefined;
      if (!consent || !input.subjects.some((one) => one.clientId === consent.one_login_client_id && one.subject === consent.subject)) return false;
      return db.transaction().execute(async (transaction) => {
        if (!(await createConsentStore(transaction).withdraw(consent.id, clock().toISOString()))) return false;
        await audit.record(
          { actor: input.actor, action: 'exchange.consent.withdrawn', subject: `exchange-consent:${consent.id}`, outcome: 'success', ...(input.requestId ? { requestId: input.requestId } : {}), details: { agreement_id: consent.agreement_id, consumer_subsystem_id: consent.consumer_subsystem_id } },
          transaction,
        );
        return true;
      });
    },
  };
}

export type PersonView = ReturnType<typeof createPersonView>;
