import type { Executor } from '../../../platform/db/database.ts';
import type { AgreementRow } from '../agreements/agreement.store.ts';
import type { AccessRightRow, MemberRow, ServiceRow, SubsystemKeyRow, SubsystemRow } from '../registry/registry.store.ts';

type Tables = {
  exchange_member: MemberRow;
  exchange_subsystem: SubsystemRow;
  exchange_subsystem_key: SubsystemKeyRow;
  exchange_service: ServiceRow;
  exchange_agreement: AgreementRow;
  exchange_access_right: AccessRightRow;
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
    /** The subsystem, when it is one of the member's own. */
    findSubsystemOfMember: (memberId: string, subsystemId: string) =>
      tables.selectFrom('exchange_subsystem').selectAll().where('id', '=', subsystemId).where('member_id', '=', memberId).executeTakeFirst(),
    /** The subsystem's keys, in use first, each in the order it was added. */
    listKeys: (subsystemId: string) =>
      tables
        .selectFrom('exchange_subsystem_key')
        .select(['thumbprint', 'algorithm', 'created_at', 'revoked_at'])
        .where('subsystem_id', '=', subsystemId)
        .orderBy('created_at')
        .orderBy('thumbprint')
        .limit(500)
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
    /** The access rights in force on a service, with each client subsystem's identifier parts. */
    listAccessRights: (serviceId: string) =>
      tables
        .selectFrom('exchange_access_right')
        .innerJoin('exchange_subsystem', 'exchange_subsystem.id', 'exchange_access_right.client_subsystem_id')
        .innerJoin('exchange_member', 'exchange_member.id', 'exchange_subsystem.member_id')
        .select(['exchange_access_right.id', 'exchange_access_right.endpoint_method', 'exchange_access_right.endpoint_path', 'exchange_access_right.created_at', 'exchange_subsystem.subsystem_code', 'exchange_member.instance', 'exchange_member.member_class', 'exchange_member.member_code'])
        .where('exchange_access_right.service_id', '=', serviceId)
        .where('exchange_access_right.revoked_at', 'is', null)
        .orderBy('exchange_access_right.created_at')
        .orderBy('exchange_access_right.id')
        .limit(500)
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
