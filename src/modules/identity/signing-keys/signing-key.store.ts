import type { Executor } from '../../../platform/db/database.ts';

export type SigningKeyState = 'next' | 'current' | 'retired';

export type SigningKeyRow = {
  kid: string;
  alg: string;
  private_jwk: string;
  state: SigningKeyState;
  created_at: string;
  updated_at: string;
};

type Tables = { identity_signing_key: SigningKeyRow };

export function createSigningKeyStore(db: Executor) {
  const tables = db.withTables<Tables>();
  return {
    async list(): Promise<SigningKeyRow[]> {
      return tables.selectFrom('identity_signing_key').selectAll().orderBy('created_at').execute();
    },
    async insert(row: SigningKeyRow): Promise<void> {
      await tables.insertInto('identity_signing_key').values(row).execute();
    },
    async setState(kids: readonly string[], state: SigningKeyState, now: string): Promise<void> {
      if (kids.length === 0) return;
      await tables
        .updateTable('identity_signing_key')
        .set({ state, updated_at: now })
        .where('kid', 'in', kids)
        .execute();
    },
    async replacePrivateJwk(kid: string, privateJwk: string): Promise<void> {
      await tables.updateTable('identity_signing_key').set({ private_jwk: privateJwk }).where('kid', '=', kid).execute();
    },
    async remove(kids: readonly string[]): Promise<void> {
      if (kids.length === 0) return;
      await tables.deleteFrom('identity_signing_key').where('kid', 'in', kids).execute();
    },
  };
}
