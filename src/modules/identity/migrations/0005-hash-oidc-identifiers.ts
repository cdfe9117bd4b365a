import type { Kysely } from 'kysely';

/**
 * From here on oidc-provider's identifiers are stored as SHA-256 hashes and its payloads sealed
 * (provider/provider-adapter.ts). Rows written before hold session ids, tokens and codes in clear;
 * they are short-lived, so they are deleted rather than converted. This signs everyone out of One
 * Login once and restarts sign-ins under way; grants are made again at each service's next
 * sign-in. ReplayDetection rows are kept as they were: their ids were hashes already, and they
 * still refuse a client assertion used before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const tables = db as unknown as Kysely<{ identity_oidc_payload: { model: string } }>;
  await tables.deleteFrom('identity_oidc_payload').where('model', '<>', 'ReplayDetection').execute();
}
