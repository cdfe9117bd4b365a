import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { createAgreementStore, type AgreementRow } from '../agreements/agreement.store.ts';
import type { SubsystemIdentifier } from '../registry/identifiers.ts';
import type { Endpoint } from '../registry/openapi-description.ts';
import { createRegistryStore, type AccessRightRow, type ServiceRow, type SubsystemWithMember } from '../registry/registry.store.ts';
import { createRegistryVersionStore } from '../registry/registry-version.store.ts';
import { createPayloadStore, type PayloadSettingRow } from '../payloads/payload.store.ts';

/** A client's registered key, imported once. */
export type CallerKey = { subsystemId: string; algorithm: string; publicKey: KeyObject };
export type CallService = { row: ServiceRow; endpoints: Endpoint[] };
export type CallAgreement = { row: AgreementRow; fields: string[] };

/** What the gateway's checks read of the registry, as it stood at one registry version. */
export type CallRegistryView = {
  /** An unrevoked key by its JWK thumbprint. */
  findKey(thumbprint: string): Promise<CallerKey | undefined>;
  findSubsystem(id: SubsystemIdentifier): Promise<SubsystemWithMember | undefined>;
  findService(providerSubsystemId: string, serviceCode: string): Promise<CallService | undefined>;
  listAccessRights(serviceId: string, clientSubsystemId: string): Promise<AccessRightRow[]>;
  /** Active agreements whatever their dates, newest first: the caller compares the dates with its own now. */
  listActiveAgreements(serviceId: string, consumerMemberId: string): Promise<CallAgreement[]>;
  /** How long a subsystem asked for its calls' payloads to be kept; undefined when it did not. */
  findPayloadSetting(subsystemId: string): Promise<PayloadSettingRow | undefined>;
};

/** Far more than an instance has; past it the cache starts again rather than grow. */
const MAX_ENTRIES = 20_000;

/**
 * The registry as the gateway reads it on every call, kept in this process while the registry
 * version (one row, read once per call) stays the same. Any change, by any process, adds one to
 * the version in its own transaction, so the next call here reads afresh: a revoked key or access
 * right, or an ended agreement, stops the very next call (and payloads are kept, or not, from it).
 */
export function createCallRegistry(db: Database) {
  const versions = createRegistryVersionStore(db);
  const store = createRegistryStore(db);
  const agreements = createAgreementStore(db);
  const payloads = createPayloadStore(db);
  let cached: { version: number; entries: Map<string, Promise<unknown>> } = { version: -1, entries: new Map() };

  function viewOf(entries: Map<string, Promise<unknown>>): CallRegistryView {
    // Loads land in the entries of the version they started under, never in a newer one.
    function remember<T>(key: string, load: () => Promise<T>): Promise<T> {
      const known = entries.get(key);
      if (known) return known as Promise<T>;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      const loading = load();
      entries.set(key, loading);
      loading.catch(() => entries.delete(key));
      return loading;
    }
    return {
      findKey: (thumbprint) =>
        remember(`key\n${thumbprint}`, async () => {
          const row = await store.findKey(thumbprint);
          if (!row || row.revoked_at !== null) return undefined;
          return { subsystemId: row.subsystem_id, algorithm: row.algorithm, publicKey: createPublicKey({ key: JSON.parse(row.public_jwk) as never, format: 'jwk' }) };
        }),
      findSubsystem: (id) => remember(`subsystem\n${id.instance}\n${id.memberClass}\n${id.memberCode}\n${id.subsystemCode}`, () => store.findSubsystemByIdentifier(id)),
      findService: (providerSubsystemId, serviceCode) =>
        remember(`service\n${providerSubsystemId}\n${serviceCode}`, async () => {
          const row = await store.findServiceByCode(providerSubsystemId, serviceCode);
          return row && { row, endpoints: JSON.parse(row.endpoints) as Endpoint[] };
        }),
      listAccessRights: (serviceId, clientSubsystemId) => remember(`rights\n${serviceId}\n${clientSubsystemId}`, () => store.listActiveAccessRights(serviceId, clientSubsystemId)),
      listActiveAgreements: (serviceId, consumerMemberId) =>
        remember(`agreements\n${serviceId}\n${consumerMemberId}`, async () =>
          (await agreements.listActive(serviceId, consumerMemberId)).map((row) => ({ row, fields: JSON.parse(row.fields) as string[] })),
        ),
      findPayloadSetting: (subsystemId) => remember(`payloads\n${subsystemId}`, () => payloads.findSetting(subsystemId)),
    };
  }

  return {
    /** The registry as it stands now: one read of the version, then whatever this process has of it. */
    async current(): Promise<CallRegistryView> {
      const version = await versions.read();
      if (version > cached.version) cached = { version, entries: new Map() };
      // A read that began before another call's newer one: answered afresh, kept nowhere.
      if (version < cached.version) return viewOf(new Map());
      return viewOf(cached.entries);
    },
  };
}

export type CallRegistry = ReturnType<typeof createCallRegistry>;
