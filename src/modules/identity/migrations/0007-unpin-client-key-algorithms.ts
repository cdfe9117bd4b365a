import type { Kysely } from 'kysely';

type ClientMetadata = { token_endpoint_auth_signing_alg?: string; jwks?: { keys?: Array<Record<string, unknown>> } };

/**
 * Services registered before this held their key pinned to one algorithm (the key's `alg`, and
 * `token_endpoint_auth_signing_alg`): ES256 for an EC key, RS256 for an RSA key. GOV.UK One Login
 * lets an RSA key sign with RS256, RS384, RS512, PS256, PS384 or PS512, and its example service
 * signs with PS256, so both are removed; the provider's list of algorithms is what limits them now.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const tables = db as unknown as Kysely<{ identity_client: { client_id: string; metadata: string } }>;
  const rows = await tables.selectFrom('identity_client').select(['client_id', 'metadata']).execute();
  for (const row of rows) {
    const { token_endpoint_auth_signing_alg: _pinned, ...metadata } = JSON.parse(row.metadata) as ClientMetadata;
    if (metadata.jwks?.keys) metadata.jwks.keys = metadata.jwks.keys.map(({ alg: _alg, ...key }) => key);
    const unpinned = JSON.stringify(metadata);
    if (unpinned !== row.metadata) {
      await tables.updateTable('identity_client').set({ metadata: unpinned }).where('client_id', '=', row.client_id).execute();
    }
  }
}
