import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { runInTransaction } from '../../../platform/db/in-transaction.ts';
import { generatePayId } from '../pay-id.ts';
import type { AccountRow, AccountStore, ApiKeyRow, KeyHolder } from './account.store.ts';
import { checkApiKey, createChecksumKey, describeApiKeyHint, generateApiKey, hashApiKey, type KeyType } from './api-key.ts';
import type { KeyObject } from 'node:crypto';

/** GOV.UK Pay's default limits: requests a second for each account, POSTs and everything else. */
export const DEFAULT_RATE_LIMIT_POST = 15;
export const DEFAULT_RATE_LIMIT_OTHER = 75;
const CHECKSUM_SECRET = 'api-key-checksum';
const NAME_LIMIT = 100;
const CHECKED_KEYS_LIMIT = 1000;

export class AccountError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export type Account = {
  id: string;
  name: string;
  liveProvider: string | null;
  rateLimitPost: number;
  rateLimitOther: number;
  /** Payments may be created with `moto: true`. */
  allowMoto: boolean;
  /** Payments may be created with `authorisation_mode: moto_api` and authorised by `POST /v1/auth`. */
  allowAuthorisationApi: boolean;
  /** The account takes recurring card payments: agreements, `set_up_agreement`, `authorisation_mode: agreement`. */
  recurringEnabled: boolean;
  createdAt: string;
};

export type ApiKeySummary = {
  id: string;
  accountId: string;
  type: KeyType;
  hint: string;
  description: string;
  createdAt: string;
  revokedAt: string | null;
};

/** Who is calling the API: the account and mode a valid, unrevoked key belongs to. */
export type Caller = {
  keyId: string;
  accountId: string;
  live: boolean;
  liveProvider: string | null;
  rateLimitPost: number;
  rateLimitOther: number;
  allowMoto: boolean;
  allowAuthorisationApi: boolean;
  recurringEnabled: boolean;
};

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    name: row.name,
    liveProvider: row.live_provider,
    rateLimitPost: row.rate_limit_post,
    rateLimitOther: row.rate_limit_other,
    allowMoto: row.allow_moto === 1,
    allowAuthorisationApi: row.allow_authorisation_api === 1,
    recurringEnabled: row.recurring_enabled === 1,
    createdAt: row.created_at,
  };
}

function toKeySummary(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    accountId: row.account_id,
    type: row.live === 1 ? 'live' : 'test',
    hint: row.token_hint,
    description: row.description,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

function toCaller(holder: KeyHolder): Caller {
  return {
    keyId: holder.key_id,
    accountId: holder.account_id,
    live: holder.live === 1,
    liveProvider: holder.live_provider,
    rateLimitPost: holder.rate_limit_post,
    rateLimitOther: holder.rate_limit_other,
    allowMoto: holder.allow_moto === 1,
    allowAuthorisationApi: holder.allow_authorisation_api === 1,
    recurringEnabled: holder.recurring_enabled === 1,
  };
}

/** Service accounts and their API keys. */
export function createAccountService(dependencies: {
  db: Database;
  store: AccountStore;
  audit: AuditService;
  clock: () => Date;
}) {
  const { db, store, audit, clock } = dependencies;
  /** Keys whose checksum was right, and their hashes: a pure function of the key, so safe to keep. */
  const checkedKeys = new Map<string, string>();

  const secretKeys = new Map<string, Promise<KeyObject>>();

  /** A secret of this installation (made by the migration); it never changes, so it is read once. */
  function loadSecretKey(name: string): Promise<KeyObject> {
    let key = secretKeys.get(name);
    if (!key) {
      key = store.readSecret(db, name).then((hex) => {
        if (!hex) throw new Error(`The Pay secret ${name} is missing: run the migrations`);
        return createChecksumKey(Buffer.from(hex, 'hex'));
      });
      key.catch(() => secretKeys.delete(name));
      secretKeys.set(name, key);
    }
    return key;
  }

  const loadChecksumKey = () => loadSecretKey(CHECKSUM_SECRET);

  /** Changes an account's MOTO or recurring payment settings and records who did, in one transaction. */
  function changeSettings(
    input: { accountId: string; actor: string },
    settings: { allow_moto?: number; allow_authorisation_api?: number; recurring_enabled?: number },
    action: 'pay.account.moto-changed' | 'pay.account.recurring-changed',
  ): Promise<Account> {
    return db.transaction().execute(async (transaction) => {
      if (!(await store.updateSettings(transaction, { id: input.accountId, ...settings }))) {
        throw new AccountError('ACCOUNT_NOT_FOUND', `There is no Pay account ${input.accountId}`);
      }
      await audit.record({ actor: input.actor, action, subject: `pay-account:${input.accountId}`, outcome: 'success', details: settings }, transaction);
      return toAccount((await store.findAccount(transaction, input.accountId)) as AccountRow);
    });
  }

  return {
    /** A secret key of this installation, by name, read once per process. */
    loadSecretKey,

    async createAccount(input: {
      name: string;
      rateLimitPost?: number;
      rateLimitOther?: number;
      allowMoto?: boolean;
      allowAuthorisationApi?: boolean;
      recurringEnabled?: boolean;
      actor: string;
      /** The caller's transaction, for an account kept only if the caller's change is. */
      transaction?: Executor;
    }): Promise<Account> {
      const name = input.name.trim();
      if (name.length === 0 || name.length > NAME_LIMIT) {
        throw new AccountError('INVALID_NAME', `The account name must be 1 to ${NAME_LIMIT} characters`);
      }
      for (const limit of [input.rateLimitPost, input.rateLimitOther]) {
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)) {
          throw new AccountError('INVALID_RATE_LIMIT', 'A rate limit must be a whole number from 1 to 1000000');
        }
      }
      const row: AccountRow = {
        id: generatePayId(),
        name,
        live_provider: null,
        rate_limit_post: input.rateLimitPost ?? DEFAULT_RATE_LIMIT_POST,
        rate_limit_other: input.rateLimitOther ?? DEFAULT_RATE_LIMIT_OTHER,
        allow_moto: input.allowMoto ? 1 : 0,
        allow_authorisation_api: input.allowAuthorisationApi ? 1 : 0,
        recurring_enabled: input.recurringEnabled ? 1 : 0,
        created_at: clock().toISOString(),
      };
      await runInTransaction(input.transaction ?? db, async (transaction) => {
        await store.insertAccount(transaction, row);
        await audit.record(
          { actor: input.actor, action: 'pay.account.created', subject: `pay-account:${row.id}`, outcome: 'success' },
          transaction,
        );
      });
      return toAccount(row);
    },

    /**
     * Turns MOTO on or off for an account, as GOV.UK Pay's operators do: `allowMoto` for payments
     * created with `moto: true`, `allowAuthorisationApi` for `authorisation_mode: moto_api`.
     * Each API request reads the account afresh, so a change holds at once in every process.
     */
    async setMoto(input: { accountId: string; allowMoto?: boolean; allowAuthorisationApi?: boolean; actor: string }): Promise<Account> {
      const settings: { allow_moto?: number; allow_authorisation_api?: number } = {};
      if (input.allowMoto !== undefined) settings.allow_moto = input.allowMoto ? 1 : 0;
      if (input.allowAuthorisationApi !== undefined) settings.allow_authorisation_api = input.allowAuthorisationApi ? 1 : 0;
      if (Object.keys(settings).length === 0) throw new AccountError('NOTHING_TO_SET', 'Say what to change');
      return changeSettings(input, settings, 'pay.account.moto-changed');
    },

    /**
     * Turns recurring card payments on or off for an account, as GOV.UK Pay's operators set a
     * gateway account's `recurring_enabled`. Turned off, agreements can no longer be made, set
     * up or used (P0942); those already made keep their status. Read afresh on every request.
     */
    async setRecurring(input: { accountId: string; recurringEnabled: boolean; actor: string }): Promise<Account> {
      const settings = { recurring_enabled: input.recurringEnabled ? 1 : 0 };
      return changeSettings(input, settings, 'pay.account.recurring-changed');
    },

    async findAccount(id: string): Promise<Account | undefined> {
      const row = await store.findAccount(db, id);
      return row && toAccount(row);
    },

    async listAccounts(): Promise<Account[]> {
      return (await store.listAccounts(db)).map(toAccount);
    },

    /** Makes a key. The key itself is returned only here: it is stored as a hash. */
    async createKey(input: {
      accountId: string;
      type: KeyType;
      description?: string;
      actor: string;
    }): Promise<{ key: string; summary: ApiKeySummary }> {
      if (!(await store.findAccount(db, input.accountId))) {
        throw new AccountError('ACCOUNT_NOT_FOUND', `There is no Pay account ${input.accountId}`);
      }
      const key = generateApiKey(input.type, await loadChecksumKey());
      const row: ApiKeyRow = {
        id: generatePayId(),
        account_id: input.accountId,
        live: input.type === 'live' ? 1 : 0,
        token_hash: hashApiKey(key),
        token_hint: describeApiKeyHint(key),
        description: (input.description ?? '').trim().slice(0, 255),
        created_at: clock().toISOString(),
        revoked_at: null,
      };
      await db.transaction().execute(async (transaction) => {
        await store.insertKey(transaction, row);
        await audit.record(
          {
            actor: input.actor,
            action: 'pay.api-key.created',
            subject: `pay-account:${input.accountId}`,
            outcome: 'success',
            details: { keyId: row.id, type: input.type },
          },
          transaction,
        );
      });
      return { key, summary: toKeySummary(row) };
    },

    async listKeys(accountId: string): Promise<ApiKeySummary[]> {
      return (await store.listKeys(db, accountId)).map(toKeySummary);
    },

    /** Revokes a key, given its id or the key itself; it stops working at once, in every process. */
    async revokeKey(input: { keyId: string; actor: string }): Promise<ApiKeySummary> {
      return db.transaction().execute(async (transaction) => {
        const row = input.keyId.startsWith('api_')
          ? await store.findKeyByHash(transaction, hashApiKey(input.keyId))
          : await store.findKey(transaction, input.keyId);
        if (!row) throw new AccountError('KEY_NOT_FOUND', 'There is no such API key');
        const at = clock().toISOString();
        if (!(await store.revokeKey(transaction, { id: row.id, at }))) {
          throw new AccountError('KEY_ALREADY_REVOKED', `The API key ${row.id} is already revoked`);
        }
        await audit.record(
          {
            actor: input.actor,
            action: 'pay.api-key.revoked',
            subject: `pay-account:${row.account_id}`,
            outcome: 'success',
            details: { keyId: row.id },
          },
          transaction,
        );
        return toKeySummary({ ...row, revoked_at: at });
      });
    },

    /** The caller behind a bearer key, or undefined for a malformed, unknown or revoked key. */
    async authenticate(key: string): Promise<Caller | undefined> {
      let tokenHash = checkedKeys.get(key);
      if (tokenHash === undefined) {
        if (!checkApiKey(key, await loadChecksumKey())) return undefined;
        tokenHash = hashApiKey(key);
        if (checkedKeys.size >= CHECKED_KEYS_LIMIT) checkedKeys.clear();
        checkedKeys.set(key, tokenHash);
      }
      // Looked up every time: a revoked key stops working at once, in every process.
      const holder = await store.findKeyHolder(db, tokenHash);
      return holder && toCaller(holder);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
