import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { isUniqueViolation } from '../../../platform/db/unique-violation.ts';
import { checkOutboundUrl, type OutboundPolicy } from '../../../platform/net/outbound-request.ts';
import { findConsoleOrganisation } from '../../console/console.contract.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { addressesFromDns, type AddressesOf, findOverlappingBaseUrl, hasPlainPath, resolvePlaces } from './base-url-overlap.ts';
import { formatMember, formatSubsystem, IdentifierError, isCode, isMemberClass, METASERVICES, parseSubsystem } from './identifiers.ts';
import { OpenApiError, readOpenApiDescription } from './openapi-description.ts';
import { PublicKeyError, readPublicKeys } from './public-keys.ts';
import { createRegistryStore, type MemberRow, type SubsystemWithMember } from './registry.store.ts';
import { createRegistryVersionStore } from './registry-version.store.ts';

/** The most an operator writes when refusing a membership request. */
export const MAX_REFUSAL_REASON = 500;

export const ENDPOINT_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const;
/** A path, its last segment ending `*` (one segment beginning so) or being `**` (any depth under it). */
const ENDPOINT_PATH = /^\/(?:[A-Za-z0-9._~!$&'()+,;=:@%{}/-]{0,255}\*?|(?:[A-Za-z0-9._~!$&'()+,;=:@%{}/-]{0,252}\/)?\*\*)$/;

/** An endpoint an access right covers: `*` for any method or path; a path's last segment may end in `*` or be `**`. */
export type EndpointPattern = { method: string; path: string };

/** Reads `GET /awards/*` (or nothing: every endpoint); throws ExchangeError. */
export function parseEndpointPattern(text: string | undefined): EndpointPattern {
  if (text === undefined || text.trim() === '') return { method: '*', path: '*' };
  const match = /^(\S+)\s+(\S+)$/.exec(text.trim());
  const method = match?.[1]?.toUpperCase() ?? '';
  const path = match?.[2] ?? '';
  const methodValid = method === '*' || (ENDPOINT_METHODS as readonly string[]).includes(method);
  if (!methodValid || !(path === '*' || ENDPOINT_PATH.test(path))) {
    throw new ExchangeError('exchange.INVALID_ENDPOINT', 'The endpoint must be a method and a path, such as "GET /awards/*"');
  }
  return { method, path };
}

/** Who acted, as the audit trail names them (`operator:cli`, `console-person:...`). */
export type RegistryActor = { audit: string; isOperator: boolean };

function parseClient(text: string): ReturnType<typeof parseSubsystem> {
  try {
    return parseSubsystem(text);
  } catch (error) {
    if (error instanceof IdentifierError) throw new ExchangeError('exchange.INVALID_IDENTIFIER', `${error.message}: give INSTANCE/CLASS/MEMBER/SUBSYSTEM`);
    throw error;
  }
}

/**
 * Members, subsystems, services and access rights: each change checked, stored in one
 * transaction with its audit event (who, what; never keys' or descriptions' contents).
 */
/** A base URL registered between resolving host names and comparing them: resolve and compare again. */
class HostRegisteredMeanwhile extends Error {}

export function createRegistry(dependencies: { db: Database; audit: AuditService; instance: string; outbound: OutboundPolicy; clock?: () => Date; addressesOf?: AddressesOf }) {
  const { db, audit, instance, outbound } = dependencies;
  const addressesOf = dependencies.addressesOf ?? addressesFromDns;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createRegistryStore(db);

  async function requireSubsystem(identifier: string): Promise<SubsystemWithMember> {
    const id = parseClient(identifier);
    const subsystem = id.instance === instance ? await store.findSubsystemByIdentifier(id) : undefined;
    if (!subsystem) throw new ExchangeError('exchange.SUBSYSTEM_NOT_FOUND', `There is no subsystem ${identifier}`, 404);
    return subsystem;
  }

  async function readKeys(publicKeys: string) {
    try {
      return await readPublicKeys(publicKeys);
    } catch (error) {
      if (error instanceof PublicKeyError) throw new ExchangeError('exchange.INVALID_PUBLIC_KEY', error.message);
      throw error;
    }
  }

  async function insertUnique(insert: () => Promise<void>, code: 'exchange.MEMBER_EXISTS' | 'exchange.SUBSYSTEM_EXISTS' | 'exchange.SERVICE_EXISTS' | 'exchange.KEY_EXISTS', message: string) {
    try {
      await insert();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ExchangeError(code, message, 409);
      throw error;
    }
  }

  const subsystemIdentifierOf = (subsystem: SubsystemWithMember) =>
    formatSubsystem({ instance: subsystem.member.instance, memberClass: subsystem.member.member_class, memberCode: subsystem.member.member_code, subsystemCode: subsystem.subsystem_code });

  return {
    instance,

    /** An operator's member is approved at once; anyone else's waits for an operator. */
    async addMember(input: { organisationId: string; memberClass: string; memberCode: string; actor: RegistryActor }): Promise<MemberRow> {
      if (!isMemberClass(input.memberClass)) throw new ExchangeError('exchange.INVALID_IDENTIFIER', 'The member class must be 2 to 16 capital letters, such as GOV, COM or NGO');
      if (!isCode(input.memberCode)) throw new ExchangeError('exchange.INVALID_IDENTIFIER', 'The member code must be 1 to 64 letters, digits, dots, hyphens or underscores');
      const organisation = await findConsoleOrganisation(db, input.organisationId);
      if (!organisation) throw new ExchangeError('exchange.ORGANISATION_NOT_FOUND', 'There is no such organisation', 404);
      const now = clock().toISOString();
      const row: MemberRow = {
        id: crypto.randomUUID(),
        organisation_id: organisation.id,
        instance,
        member_class: input.memberClass,
        member_code: input.memberCode,
        status: input.actor.isOperator ? 'approved' : 'pending',
        created_by: input.actor.audit,
        created_at: now,
        approved_by: input.actor.isOperator ? input.actor.audit : null,
        approved_at: input.actor.isOperator ? now : null,
      };
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        await createRegistryStore(transaction).deleteRefusedMembers({ organisationId: organisation.id, instance, memberClass: row.member_class, memberCode: row.member_code });
        await insertUnique(() => createRegistryStore(transaction).insertMember(row), 'exchange.MEMBER_EXISTS', 'That organisation or member identifier is a member already');
        await audit.record(
          { actor: input.actor.audit, action: 'exchange.member.added', subject: `exchange-member:${row.id}`, outcome: 'success', details: { identifier: formatMember({ instance, memberClass: row.member_class, memberCode: row.member_code }), organisation_id: organisation.id, status: row.status } },
          transaction,
        );
      });
      return row;
    },

    async approveMember(memberId: string, actor: RegistryActor): Promise<void> {
      if (!actor.isOperator) throw new ExchangeError('exchange.MEMBER_NOT_PENDING', 'Only an operator approves members', 403);
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        const approved = await createRegistryStore(transaction).approveMember(memberId, actor.audit, clock().toISOString());
        if (!approved) throw new ExchangeError('exchange.MEMBER_NOT_PENDING', 'There is no member waiting for approval with that id', 404);
        await audit.record({ actor: actor.audit, action: 'exchange.member.approved', subject: `exchange-member:${memberId}`, outcome: 'success' }, transaction);
      });
    },

    listPendingMembers: () => store.listPendingMembers(instance),

    /**
     * The request is kept as refused, so the organisation's Exchange page says so (with the reason,
     * up to MAX_REFUSAL_REASON characters, when the operator gives one; the audit event holds it)
     * until it asks again, with another code, say, which replaces it.
     */
    async refuseMember(input: { memberId: string; actor: RegistryActor; reason?: string }): Promise<void> {
      if (!input.actor.isOperator) throw new ExchangeError('exchange.MEMBER_NOT_PENDING', 'Only an operator refuses members', 403);
      const reason = input.reason?.trim() ?? '';
      if (reason.length > MAX_REFUSAL_REASON) throw new ExchangeError('exchange.INVALID_REASON', `The reason must be ${MAX_REFUSAL_REASON} characters or fewer`);
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        const refused = await createRegistryStore(transaction).refusePendingMember(input.memberId);
        if (!refused) throw new ExchangeError('exchange.MEMBER_NOT_PENDING', 'There is no member waiting for approval with that id (and no subsystem)', 404);
        await audit.record(
          {
            actor: input.actor.audit,
            action: 'exchange.member.refused',
            subject: `exchange-member:${input.memberId}`,
            outcome: 'success',
            details: { identifier: formatMember({ instance, memberClass: refused.member_class, memberCode: refused.member_code }), organisation_id: refused.organisation_id, reason: reason === '' ? null : reason },
          },
          transaction,
        );
      });
    },

    /** When and why the member's request was refused, from its audit event; undefined if it was not. */
    async findRefusal(member: MemberRow): Promise<{ refusedAt: string; reason: string | null } | undefined> {
      if (member.status !== 'refused') return undefined;
      const [event] = (await audit.listRecent({ subject: `exchange-member:${member.id}`, limit: 20 })).filter((candidate) => candidate.action === 'exchange.member.refused');
      if (!event) return undefined;
      const reason = event.details?.reason;
      return { refusedAt: event.occurredAt, reason: typeof reason === 'string' && reason !== '' ? reason : null };
    },

    /** Returns the subsystem's X-Road identifier. */
    async addSubsystem(input: { memberId: string; subsystemCode: string; publicKeys: string; actor: RegistryActor }): Promise<string> {
      if (!isCode(input.subsystemCode)) throw new ExchangeError('exchange.INVALID_IDENTIFIER', 'The subsystem code must be 1 to 64 letters, digits, dots, hyphens or underscores');
      const member = await store.findMember(input.memberId);
      if (!member || member.instance !== instance || member.status === 'refused') throw new ExchangeError('exchange.MEMBER_NOT_FOUND', 'There is no such member', 404);
      const keys = await readKeys(input.publicKeys);
      const now = clock().toISOString();
      const subsystemId = crypto.randomUUID();
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        const tx = createRegistryStore(transaction);
        await insertUnique(() => tx.insertSubsystem({ id: subsystemId, member_id: member.id, subsystem_code: input.subsystemCode, created_at: now }), 'exchange.SUBSYSTEM_EXISTS', 'The member has a subsystem with that code already');
        await insertUnique(
          () => tx.insertKeys(keys.map((key) => ({ thumbprint: key.thumbprint, subsystem_id: subsystemId, algorithm: key.algorithm, public_jwk: JSON.stringify(key.jwk), created_at: now, revoked_at: null }))),
          'exchange.KEY_EXISTS',
          'A key given is registered already: each subsystem needs keys of its own',
        );
        await audit.record(
          { actor: input.actor.audit, action: 'exchange.subsystem.added', subject: `exchange-subsystem:${subsystemId}`, outcome: 'success', details: { member_id: member.id, subsystem_code: input.subsystemCode, keys: keys.map((key) => key.thumbprint).join(',') } },
          transaction,
        );
      });
      return formatSubsystem({ instance, memberClass: member.member_class, memberCode: member.member_code, subsystemCode: input.subsystemCode });
    },

    /** Adds keys (rotation); returns their thumbprints. */
    async addKeys(input: { subsystem: string; publicKeys: string; actor: RegistryActor }): Promise<string[]> {
      const subsystem = await requireSubsystem(input.subsystem);
      const keys = await readKeys(input.publicKeys);
      const now = clock().toISOString();
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        await insertUnique(
          () => createRegistryStore(transaction).insertKeys(keys.map((key) => ({ thumbprint: key.thumbprint, subsystem_id: subsystem.id, algorithm: key.algorithm, public_jwk: JSON.stringify(key.jwk), created_at: now, revoked_at: null }))),
          'exchange.KEY_EXISTS',
          'A key given is registered already',
        );
        await audit.record({ actor: input.actor.audit, action: 'exchange.subsystem.keys-added', subject: `exchange-subsystem:${subsystem.id}`, outcome: 'success', details: { keys: keys.map((key) => key.thumbprint).join(',') } }, transaction);
      });
      return keys.map((key) => key.thumbprint);
    },

    /**
     * `lastKey: 'refuse'` revokes only while another key stays in use (exchange.LAST_KEY otherwise):
     * counted after the version bump, which serialises registry writes, so two revocations of a
     * subsystem's last two keys at once cannot both find the other key still in use.
     */
    async revokeKey(input: { subsystem: string; thumbprint: string; lastKey: 'allow' | 'refuse'; actor: RegistryActor }): Promise<void> {
      const subsystem = await requireSubsystem(input.subsystem);
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        const tx = createRegistryStore(transaction);
        const inUse = await tx.listKeysInUse(subsystem.id);
        if (!inUse.includes(input.thumbprint)) throw new ExchangeError('exchange.KEY_NOT_FOUND', 'The subsystem has no such key in use', 404);
        if (inUse.length === 1 && input.lastKey === 'refuse') throw new ExchangeError('exchange.LAST_KEY', "This is the subsystem's last key in use: its calls would stop", 409);
        const revoked = await tx.revokeKey(subsystem.id, input.thumbprint, clock().toISOString());
        if (!revoked) throw new ExchangeError('exchange.KEY_NOT_FOUND', 'The subsystem has no such key in use', 404);
        await audit.record({ actor: input.actor.audit, action: 'exchange.subsystem.key-revoked', subject: `exchange-subsystem:${subsystem.id}`, outcome: 'success', details: { key: input.thumbprint } }, transaction);
      });
    },

    async addService(input: { subsystem: string; serviceCode: string; baseUrl: string; openApi: string; personalData: boolean; underConsent?: boolean; actor: RegistryActor }): Promise<string> {
      if (!isCode(input.serviceCode)) throw new ExchangeError('exchange.INVALID_IDENTIFIER', 'The service code must be 1 to 64 letters, digits, dots, hyphens or underscores');
      if ((METASERVICES as readonly string[]).includes(input.serviceCode)) throw new ExchangeError('exchange.INVALID_IDENTIFIER', `${input.serviceCode} is the name of a metaservice`);
      const subsystem = await requireSubsystem(input.subsystem);
      const problem = checkOutboundUrl(input.baseUrl, outbound);
      if (problem !== undefined || /[?#]/.test(input.baseUrl)) {
        const reason = problem === 'PRIVATE_ADDRESS' ? ': a non-public address is not allowed here' : problem === 'HTTPS_REQUIRED' ? ': it must be https' : '';
        throw new ExchangeError('exchange.INVALID_URL', `The base URL must be a full http or https URL with no query${reason}`);
      }
      if (!hasPlainPath(input.baseUrl)) {
        throw new ExchangeError('exchange.INVALID_URL', 'The base URL\'s path may hold only letters, digits, hyphens, underscores, tildes and dots between them, in segments split by single slashes');
      }
      let description;
      try {
        description = await readOpenApiDescription(input.openApi);
      } catch (error) {
        if (error instanceof OpenApiError) throw new ExchangeError('exchange.INVALID_OPENAPI', error.message);
        throw error;
      }
      const serviceId = crypto.randomUUID();
      for (let attempt = 1; ; attempt += 1) {
        // Host names are resolved before the transaction, so a slow resolver never holds registry writes.
        const places = await resolvePlaces(input.baseUrl, await store.listOtherMembersBaseUrls(subsystem.member_id), addressesOf);
        try {
          await db.transaction().execute(async (transaction) => {
            await createRegistryVersionStore(transaction).bump();
            // Checked after the bump, which serialises registry writes: two members cannot claim one system at once.
            const taken = await createRegistryStore(transaction).listOtherMembersBaseUrls(subsystem.member_id);
            const overlap = findOverlappingBaseUrl(input.baseUrl, taken, places);
            if (overlap === 'unresolved') throw new HostRegisteredMeanwhile();
            if (overlap !== 'none') {
              throw new ExchangeError('exchange.BASE_URL_TAKEN', "The base URL is at, above or under another member's service: a member registers only its own systems");
            }
            await insertUnique(
              () =>
                createRegistryStore(transaction).insertService({
                  id: serviceId,
                  subsystem_id: subsystem.id,
                  service_code: input.serviceCode,
                  base_url: input.baseUrl.replace(/\/+$/, ''),
                  openapi: input.openApi,
                  openapi_format: description.format,
                  endpoints: JSON.stringify(description.endpoints),
                  personal_data: input.personalData || input.underConsent === true ? 1 : 0,
                  under_consent: input.underConsent === true ? 1 : 0,
                  created_at: clock().toISOString(),
                }),
              'exchange.SERVICE_EXISTS',
              'The subsystem has a service with that code already',
            );
            await audit.record(
              { actor: input.actor.audit, action: 'exchange.service.added', subject: `exchange-service:${serviceId}`, outcome: 'success', details: { subsystem: subsystemIdentifierOf(subsystem), service_code: input.serviceCode, personal_data: input.personalData, under_consent: input.underConsent === true, endpoints: description.endpoints.length } },
              transaction,
            );
          });
          return serviceId;
        } catch (error) {
          if (!(error instanceof HostRegisteredMeanwhile)) throw error;
          if (attempt === 3) throw new ExchangeError('exchange.REGISTRY_BUSY', 'Other services were being registered at the same time: try again', 409);
        }
      }
    },

    async grantAccess(input: { serviceId: string; client: string; endpoint?: string; actor: RegistryActor }): Promise<string> {
      const pattern = parseEndpointPattern(input.endpoint);
      const service = await store.findService(input.serviceId);
      if (!service) throw new ExchangeError('exchange.SERVICE_NOT_FOUND', 'There is no such service', 404);
      const client = await requireSubsystem(input.client);
      const id = crypto.randomUUID();
      await db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        await createRegistryStore(transaction).insertAccessRight({
          id,
          service_id: service.id,
          client_subsystem_id: client.id,
          endpoint_method: pattern.method,
          endpoint_path: pattern.path,
          granted_by: input.actor.audit,
          created_at: clock().toISOString(),
          revoked_by: null,
          revoked_at: null,
        });
        await audit.record(
          { actor: input.actor.audit, action: 'exchange.access.granted', subject: `exchange-service:${service.id}`, outcome: 'success', details: { client: subsystemIdentifierOf(client), endpoint: `${pattern.method} ${pattern.path}` } },
          transaction,
        );
      });
      return id;
    },

    async revokeAccess(input: { serviceId: string; client: string; endpoint?: string; actor: RegistryActor }): Promise<number> {
      const pattern = parseEndpointPattern(input.endpoint);
      const client = await requireSubsystem(input.client);
      return db.transaction().execute(async (transaction) => {
        await createRegistryVersionStore(transaction).bump();
        const revoked = await createRegistryStore(transaction).revokeAccessRights({ serviceId: input.serviceId, clientSubsystemId: client.id, ...pattern }, input.actor.audit, clock().toISOString());
        if (revoked === 0) throw new ExchangeError('exchange.ACCESS_RIGHT_NOT_FOUND', 'The client holds no such access right for that service', 404);
        await audit.record(
          { actor: input.actor.audit, action: 'exchange.access.revoked', subject: `exchange-service:${input.serviceId}`, outcome: 'success', details: { client: subsystemIdentifierOf(client), endpoint: `${pattern.method} ${pattern.path}` } },
          transaction,
        );
        return revoked;
      });
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;
