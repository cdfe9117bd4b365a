import { hash } from 'node:crypto';
import { isUnstorableText } from '../../../platform/http/unstorable-text.ts';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { SecretBoxError, type SecretBox } from '../../../platform/secrets/secret-box.ts';
import type { ClientStore } from '../clients/client.store.ts';
import type { OidcPayloadRow, OidcPayloadStore } from './oidc-payload.store.ts';

/** The secret box purpose of the payloads oidc-provider stores. */
export const OIDC_PAYLOAD_PURPOSE = 'identity-oidc-payload';

/**
 * ReplayDetection's id is already a SHA-256 of a used client assertion's issuer and jti, and its
 * payload holds nothing that authenticates; it is kept as given.
 */
const KEPT_AS_GIVEN = 'ReplayDetection';

/**
 * How an identifier oidc-provider hands over is kept. Most are bearer values: a session id is the
 * session cookie, an access token or authorization code id is the token or code itself. Only the
 * SHA-256 of each is stored, as Notify and Pay keep their tokens: a copy of the database gives
 * none of them away. They are random with at least 126 bits, so a plain hash is enough.
 */
export function storedKeyOf(value: string): string {
  return hash('sha256', value, 'base64url');
}

/**
 * oidc-provider's storage, in the platform database, so any number of processes serve one
 * provider. Clients are read from the client registry that `civitas identity client add` fills.
 *
 * Every identifier (id, uid, grant id, user code) is stored as its SHA-256, and every payload
 * sealed (it repeats the identifiers: a session's id and uid, the session cookie an interaction
 * belongs to, a token's session uid); oidc-provider's lookups hash the value they are given.
 */
export function createProviderAdapter(dependencies: {
  payloads: OidcPayloadStore;
  clients: ClientStore;
  /** The box for OIDC_PAYLOAD_PURPOSE. */
  payloadBox: SecretBox;
  clock: () => Date;
}): new (name: string) => Adapter {
  const { payloads, clients, payloadBox, clock } = dependencies;
  const now = () => clock().toISOString();

  return class DatabaseAdapter implements Adapter {
    readonly name: string;
    readonly #protected: boolean;

    constructor(name: string) {
      this.name = name;
      this.#protected = name !== KEPT_AS_GIVEN;
    }

    #key(value: string): string {
      return this.#protected ? storedKeyOf(value) : value;
    }

    #optionalKey(value: string | undefined): string | null {
      return value === undefined ? null : this.#key(value);
    }

    #toPayload(row: Pick<OidcPayloadRow, 'payload' | 'consumed_at'> | undefined): AdapterPayload | undefined {
      if (!row) return undefined;
      let text = row.payload;
      if (this.#protected) {
        try {
          text = payloadBox.open(row.payload);
        } catch (error) {
          // Sealed under an ENCRYPTION_KEY no longer configured: as if it had expired. A session
          // or interaction starts again; a grant is made again at the next sign-in.
          if (error instanceof SecretBoxError) return undefined;
          throw error;
        }
      }
      const payload = JSON.parse(text) as AdapterPayload;
      if (row.consumed_at) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
      return payload;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.name === 'Client') throw new Error('clients are registered with the civitas CLI');
      const text = JSON.stringify(payload);
      await payloads.upsert({
        model: this.name,
        id: this.#key(id),
        payload: this.#protected ? payloadBox.seal(text) : text,
        grant_id: this.#optionalKey(payload.grantId),
        user_code: this.#optionalKey(payload.userCode),
        uid: this.#optionalKey(payload.uid),
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? new Date(clock().getTime() + expiresIn * 1000).toISOString() : null,
        consumed_at: null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') {
        // A client_id no database could store names no client (PostgreSQL would refuse the query).
        if (isUnstorableText(id)) return undefined;
        const client = await clients.find(id);
        return client ? (JSON.parse(client.metadata) as AdapterPayload) : undefined;
      }
      return this.#toPayload(await payloads.find(this.name, this.#key(id), now()));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#toPayload(await payloads.findBy(this.name, 'user_code', this.#key(userCode), now()));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#toPayload(await payloads.findBy(this.name, 'uid', this.#key(uid), now()));
    }

    async consume(id: string): Promise<void> {
      await payloads.consume(this.name, this.#key(id), now());
    }

    async destroy(id: string): Promise<void> {
      await payloads.destroy(this.name, this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every model that carries a grant id is protected, so the grant id is stored hashed.
      await payloads.destroyByGrant(storedKeyOf(grantId));
    }
  };
}
