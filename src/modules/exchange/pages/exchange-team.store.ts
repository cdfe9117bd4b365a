import type { Executor } from '../../../platform/db/database.ts';
import type { AgreementRow } from '../agreements/agreement.store.ts';
import type { MemberRow, ServiceRow, SubsystemKeyRow, SubsystemRow } from '../registry/registry.store.ts';

type Tables = {
  exchange_member: MemberRow;
  exchange_subsystem: SubsystemRow;
  exchange_subsystem_key: SubsystemKeyRow;
  exchange_service: ServiceRow;
  exchange_agreement: AgreementRow;
};

/** What an organisation's Exchange pages show of it: its member, subsystems, services and agreements. */
export function createExchangeTeamStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    findMemberOfOrganisation: (organisationId: string, instance: string) =>
      tables.selectFrom('exchange_member').selectAll().where('organisation_id', '=', organisationId).where('instance', '=', instance).executeTakeFirst(),
    findMembers: (ids: readonly string[]) => (ids.length === 0 ? Promise.resolve([]) : tables.selectFrom('exchange_member').selectAll().where('id', 'in', ids).execute()),
    /** Each subsystem of the member with how many of its keys are in use. */
    listSubsystems: (memberId: string) =>
      tables
        .selectFrom('exchange_subsystem')
        .leftJoin('exchange_subsystem_key', (join) => join.onRef('exchange_subsystem_key.subsystem_id', '=', 'exchange_subsystem.id').on('exchange_subsystem_key.revoked_at', 'is', null))
        .select(['exchange_subsystem.id', 'exchange_subsystem.subsystem_code'])
        .select((eb) => eb.fn.count<string | number>('exchange_subsystem_key.thumbprint').as('keys'))
        .where('exchange_subsystem.member_id', '=', memberId)
        .groupBy(['exchange_subsystem.id', 'exchange_subsystem.subsystem_code'])
        .orderBy('exchange_subsystem.subsystem_code')
        .execute(),
    listServices: (memberId: string) =>
      tables
        .selectFrom('exchange_service')
        .innerJoin('exchange_subsystem', 'exchange_subsystem.id', 'exchange_service.subsystem_id')
        .select(['exchange_service.id', 'exchange_service.service_code', 'exchange_service.base_url', 'exchange_service.personal_data', 'exchange_service.under_consent', 'exchange_subsystem.subsystem_code'])
        .where('exchange_subsystem.member_id', '=', memberId)
        .orderBy('exchange_subsystem.subsystem_code')
        .orderBy('exchange_service.service_code')
        .execute(),
    /** The agreements the member is a party to, on either side, newest first. */
    listAgreements: (memberId: string) =>
      tables
        .selectFrom('exchange_agreement')
        .innerJoin('exchange_service', 'exchange_service.id', 'exchange_agreement.service_id')
        .innerJoin('exchange_subsystem', 'exchange_subsystem.id', 'exchange_service.subsystem_id')
        .selectAll('exchange_agreement')
        .select(['exchange_service.service_code', 'exchange_subsystem.subsystem_code'])
        .where((eb) => eb.or([eb('exchange_agreement.provider_member_id', '=', memberId), eb('exchange_agreement.consumer_member_id', '=', memberId)]))
        .orderBy('exchange_agreement.created_at', 'desc')
        .orderBy('exchange_agreement.id')
        .limit(200)
        .execute(),
  };
}
