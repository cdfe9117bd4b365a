import { compileOnce } from '../../../platform/db/compile-once.ts';
import type { Executor } from '../../../platform/db/database.ts';
import { notSealedUnderCurrentKey } from '../../../platform/secrets/resealing.store.ts';
import type { SecretBox, SecretBoxes } from '../../../platform/secrets/secret-box.ts';

export type AccountRow = {
  id: string;
  email: string;
  password_hash: string;
  /** When the password was last set by an emailed code alone, until a security code or passkey is next proved. */
  password_set_by_email_at?: string | null;
  subject_salt: string;
  created_at: string;
  updated_at: string;
};

export type SecurityMethodKind = 'auth-app' | 'sms' | 'passkey';

export type SecurityMethodRow = {
  id: string;
  account_id: string;
  kind: SecurityMethodKind;
  totp_secret: string | null;
  totp_last_step: number | null;
  phone_number: string | null;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | null;
  transports: string | null;
  created_at: string;
  last_used_at: string | null;
};

export type ServiceUseRow = { account_id: string; client_id: string; first_used_at: string; last_used_at: string };

type Tables = {
  identity_account: AccountRow;
  identity_security_method: SecurityMethodRow;
  identity_service_use: ServiceUseRow;
};

/**
 * Authenticator-app secrets are sealed at rest; one stored in clear before, or under a previous
 * ENCRYPTION_KEY, is sealed again at start-up (`resealTotpSecrets`) or when next read.
 */
const TOTP_SECRET_PURPOSE = 'identity-totp-secret';

/** `secrets` is needed by the methods that read or write authenticator-app secrets. */
export function createAccountStore(db: Executor, secrets?: SecretBoxes) {
  const tables = db.withTables<Tables>();

  function totpBox() {
    if (!secrets) throw new Error('This account store was made without the secret boxes it needs for authenticator apps');
    return secrets.forPurpose(TOTP_SECRET_PURPOSE);
  }

  /** Only the value read is replaced, so two processes sealing the same row at once agree. */
  async function resealTotpSecret(box: SecretBox, id: string, stored: string): Promise<boolean> {
    const result = await tables
      .updateTable('identity_security_method')
      .set({ totp_secret: box.seal(box.openOrAcceptClear(stored)) })
      .where('id', '=', id)
      .where('totp_secret', '=', stored)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async function openTotpSecret(row: SecurityMethodRow): Promise<SecurityMethodRow> {
    const stored = row.totp_secret;
    if (stored === null) return row;
    const box = totpBox();
    const secret = box.openOrAcceptClear(stored);
    if (box.needsResealing(stored)) await resealTotpSecret(box, row.id, stored);
    return { ...row, totp_secret: secret };
  }

  // Read at every sign-in and token exchange.
  const findByIdQuery = compileOnce<{ id: string }>((_db, value) => tables.selectFrom('identity_account').selectAll().where('id', '=', value('id')));
  const findByEmailQuery = compileOnce<{ email: string }>((_db, value) =>
    tables.selectFrom('identity_account').selectAll().where('email', '=', value('email')),
  );

  return {
    async insert(row: AccountRow): Promise<void> {
      await tables.insertInto('identity_account').values(row).execute();
    },
    async findById(id: string): Promise<AccountRow | undefined> {
      return (await tables.executeQuery<AccountRow>(findByIdQuery(db, { id }))).rows[0];
    },
    async findByEmail(email: string): Promise<AccountRow | undefined> {
      return (await tables.executeQuery<AccountRow>(findByEmailQuery(db, { email }))).rows[0];
    },
    async update(id: string, changes: Partial<Pick<AccountRow, 'email' | 'password_hash' | 'password_set_by_email_at'>> & { updated_at: string }): Promise<void> {
      await tables.updateTable('identity_account').set(changes).where('id', '=', id).execute();
    },
    /** Forgets when the password was set by email, if that was no later than `provedAt`. */
    async clearPasswordSetByEmail(id: string, provedAt: string): Promise<void> {
      await tables.updateTable('identity_account').set({ password_set_by_email_at: null }).where('id', '=', id).where('password_set_by_email_at', '<=', provedAt).execute();
    },
    async remove(id: string): Promise<void> {
      await tables.deleteFrom('identity_account').where('id', '=', id).execute();
    },

    async listMethods(accountId: string): Promise<SecurityMethodRow[]> {
      const rows = await tables
        .selectFrom('identity_security_method')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .execute();
      return Promise.all(rows.map(openTotpSecret));
    },
    /** The kind of each of the account's security methods and when it was added; read without the secret boxes. */
    async listMethodKindsWithDates(accountId: string): Promise<Array<{ kind: SecurityMethodKind; created_at: string }>> {
      return tables.selectFrom('identity_security_method').select(['kind', 'created_at']).where('account_id', '=', accountId).execute();
    },
    /** The numbers the account gets codes by text message at; read without the secret boxes. */
    async listPhoneNumbers(accountId: string): Promise<string[]> {
      const rows = await tables
        .selectFrom('identity_security_method')
        .select('phone_number')
        .where('account_id', '=', accountId)
        .where('phone_number', 'is not', null)
        .execute();
      return rows.flatMap((row) => (row.phone_number === null ? [] : [row.phone_number]));
    },
    async findMethodByCredentialId(credentialId: string): Promise<SecurityMethodRow | undefined> {
      const row = await tables
        .selectFrom('identity_security_method')
        .selectAll()
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row && openTotpSecret(row);
    },
    /** Seals every authenticator-app secret kept in clear or under a previous key; how many it sealed. */
    async resealTotpSecrets(): Promise<number> {
      const box = totpBox();
      const rows = await tables
        .selectFrom('identity_security_method')
        .select(['id', 'totp_secret'])
        .where(notSealedUnderCurrentKey('totp_secret', box))
        .execute();
      let resealed = 0;
      for (const row of rows) {
        if (row.totp_secret !== null && (await resealTotpSecret(box, row.id, row.totp_secret))) resealed += 1;
      }
      return resealed;
    },
    async insertMethod(row: SecurityMethodRow): Promise<void> {
      const totpSecret = row.totp_secret === null ? null : totpBox().seal(row.totp_secret);
      await tables.insertInto('identity_security_method').values({ ...row, totp_secret: totpSecret }).execute();
    },
    async updateMethod(
      id: string,
      changes: Partial<Pick<SecurityMethodRow, 'last_used_at' | 'sign_count' | 'totp_last_step'>>,
    ): Promise<void> {
      await tables.updateTable('identity_security_method').set(changes).where('id', '=', id).execute();
    },
    async removeMethod(accountId: string, id: string): Promise<boolean> {
      const result = await tables
        .deleteFrom('identity_security_method')
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async recordServiceUse(accountId: string, clientId: string, now: string): Promise<void> {
      await tables
        .insertInto('identity_service_use')
        .values({ account_id: accountId, client_id: clientId, first_used_at: now, last_used_at: now })
        .onConflict((conflict) => conflict.columns(['account_id', 'client_id']).doUpdateSet({ last_used_at: now }))
        .execute();
    },
    async listServiceUse(accountId: string): Promise<ServiceUseRow[]> {
      return tables
        .selectFrom('identity_service_use')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('last_used_at', 'desc')
        .execute();
    },
    /** True if the account has that text-message method and its number is now `phoneNumber`. */
    async changePhoneNumber(accountId: string, methodId: string, phoneNumber: string): Promise<boolean> {
      const result = await tables
        .updateTable('identity_security_method')
        .set({ phone_number: phoneNumber })
        .where('account_id', '=', accountId)
        .where('id', '=', methodId)
        .where('kind', '=', 'sms')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
