import type { Executor } from '../../../platform/db/database.ts';

export type ConsumerLinkRow = { subsystem_id: string; one_login_client_id: string; return_urls: string; linked_by: string; linked_at: string };

export type ConsentRequestStatus = 'pending' | 'agreed' | 'refused';
export type ConsentRequestRow = {
  id: string;
  client_subsystem_id: string;
  agreement_id: string;
  state: string;
  return_url: string;
  /** The person's record at the provider the consent is for; null on requests from before records. */
  record: string | null;
  subject: string | null;
  status: ConsentRequestStatus;
  consent_id: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
};

export type ConsentStatus = 'active' | 'withdrawn';
export type ConsentRow = {
  id: string;
  subject: string;
  one_login_client_id: string;
  consumer_member_id: string;
  consumer_subsystem_id: string;
  service_id: string;
  agreement_id: string;
  /** The one record of the person's a call under this consent may name; null (from before records) lets none through. */
  record: string | null;
  status: ConsentStatus;
  given_at: string;
  expires_at: string;
  withdrawn_at: string | null;
};

type Tables = { exchange_consumer_link: ConsumerLinkRow; exchange_consent_request: ConsentRequestRow; exchange_consent: ConsentRow };

/** Consumer subsystems' One Login links, consent requests and consents. */
export function createConsentStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async saveLink(row: ConsumerLinkRow): Promise<void> {
      await tables.deleteFrom('exchange_consumer_link').where('subsystem_id', '=', row.subsystem_id).execute();
      await tables.insertInto('exchange_consumer_link').values(row).execute();
    },
    findLink: (subsystemId: string) => tables.selectFrom('exchange_consumer_link').selectAll().where('subsystem_id', '=', subsystemId).executeTakeFirst(),
    listLinkedClientIds: async () => (await tables.selectFrom('exchange_consumer_link').select('one_login_client_id').distinct().execute()).map((row) => row.one_login_client_id),

    async insertRequest(row: ConsentRequestRow): Promise<void> {
      await tables.insertInto('exchange_consent_request').values(row).execute();
    },
    findRequest: (id: string) => tables.selectFrom('exchange_consent_request').selectAll().where('id', '=', id).executeTakeFirst(),
    /** Binds a pending request to the person who first opened it; whether it is now theirs. */
    async bindRequest(id: string, subject: string): Promise<boolean> {
      await tables.updateTable('exchange_consent_request').set({ subject }).where('id', '=', id).where('subject', 'is', null).execute();
      const row = await tables.selectFrom('exchange_consent_request').select('subject').where('id', '=', id).executeTakeFirst();
      return row?.subject === subject;
    },
    /** Records the answer once: false when the request was answered already (a replayed form). */
    async decideRequest(id: string, subject: string, decision: { status: Exclude<ConsentRequestStatus, 'pending'>; consentId: string | null; at: string }): Promise<boolean> {
      const result = await tables
        .updateTable('exchange_consent_request')
        .set({ status: decision.status, consent_id: decision.consentId, decided_at: decision.at })
        .where('id', '=', id)
        .where('subject', '=', subject)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async removeRequestsExpiredBefore(at: string): Promise<void> {
      await tables.deleteFrom('exchange_consent_request').where('expires_at', '<', at).execute();
    },

    async insertConsent(row: ConsentRow): Promise<void> {
      await tables.insertInto('exchange_consent').values(row).execute();
    },
    /** The consent in force for this person (by their `sub` for the consumer's client), consumer, service, agreement and record. */
    findInForce: (input: { subject: string; oneLoginClientId: string; consumerMemberId: string; serviceId: string; agreementId: string; record: string; now: string }) =>
      tables
        .selectFrom('exchange_consent')
        .selectAll()
        .where('subject', '=', input.subject)
        .where('one_login_client_id', '=', input.oneLoginClientId)
        .where('consumer_member_id', '=', input.consumerMemberId)
        .where('service_id', '=', input.serviceId)
        .where('agreement_id', '=', input.agreementId)
        .where('record', '=', input.record)
        .where('status', '=', 'active')
        .where('expires_at', '>', input.now)
        .orderBy('given_at', 'desc')
        .executeTakeFirst(),
    /** Every consent given under these subjects (each with the client it belongs to), newest first. */
    listOfSubjects: (subjects: ReadonlyArray<{ clientId: string; subject: string }>) =>
      subjects.length === 0
        ? Promise.resolve([] as ConsentRow[])
        : tables
            .selectFrom('exchange_consent')
            .selectAll()
            .where((where) => where.or(subjects.map((one) => where.and([where('subject', '=', one.subject), where('one_login_client_id', '=', one.clientId)]))))
            .orderBy('given_at', 'desc')
            .limit(500)
            .execute(),
    findConsent: (id: string) => tables.selectFrom('exchange_consent').selectAll().where('id', '=', id).executeTakeFirst(),
    async withdraw(id: string, at: string): Promise<boolean> {
      const result = await tables.updateTable('exchange_consent').set({ status: 'withdrawn', withdrawn_at: at }).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type ConsentStore = ReturnType<typeof createConsentStore>;
