import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { ClientStore } from '../clients/client.store.ts';
import type { OidcPayloadStore } from './oidc-payload.store.ts';

/**
 * oidc-provider's storage, in the platform database, so any number of processes serve one
 * provider. Clients are read from the client registry that `civitas identity client add` fills.
 */
export function createProviderAdapter(dependencies: {
  payloads: OidcPayloadStore;
  clients: ClientStore;
  clock: () => Date;
}): new (name: string) => Adapter {
  const { payloads, clients, clock } = dependencies;
  const now = () => clock().toISOString();

  function toPayload(row: { payload: string; consumed_at: string | null } | undefined): AdapterPayload | undefined {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    if (row.consumed_at) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
    return payload;
  }

  return class DatabaseAdapter implements Adapter {
    readonly name: string;

    constructor(name: string) {
      this.name = name;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.name === 'Client') throw new Error('clients are registered with the civitas CLI');
      await payloads.upsert({
        model: this.name,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? new Date(clock().getTime() + expiresIn * 1000).toISOString() : null,
        consumed_at: null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') {
        const client = await clients.find(id);
        return client ? (JSON.parse(client.metadata) as AdapterPayload) : undefined;
      }
      return toPayload(await payloads.find(this.name, id, now()));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return toPayload(await payloads.findBy(this.name, 'user_code', userCode, now()));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return toPayload(await payloads.findBy(this.name, 'uid', uid, now()));
    }

    async consume(id: string): Promise<void> {
      await payloads.consume(this.name, id, now());
    }

    async destroy(id: string): Promise<void> {
      await payloads.destroy(this.name, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await payloads.destroyByGrant(grantId);
    }
  };
}
