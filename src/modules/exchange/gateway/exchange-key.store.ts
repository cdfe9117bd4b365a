import type { Executor } from '../../../platform/db/database.ts';

/** `private_key` is a sealed PKCS#8 PEM; `public_jwk` the public half, published. */
export type ExchangeKeyRow = { key_id: string; purpose: string; private_key: string; public_jwk: string; created_at: string; retired_at: string | null };

type Tables = { exchange_key: ExchangeKeyRow };

export function createExchangeKeyStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    findCurrent: (purpose: string) =>
      tables.selectFrom('exchange_key').selectAll().where('purpose', '=', purpose).where('retired_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst(),
    listPublished: (purpose: string) => tables.selectFrom('exchange_key').select(['key_id', 'public_jwk']).where('purpose', '=', purpose).orderBy('created_at').execute(),
    async insert(row: ExchangeKeyRow): Promise<void> {
      await tables.insertInto('exchange_key').values(row).execute();
    },
  };
}
