/**
 * Pay's contract: the only file other modules import. The console's onboarding pages make a
 * service's Pay account and its API keys through the same account service as
 * `civitas pay account add` and `pay key add|revoke`; every change is audited there as `actor`.
 *
 * - Accounts made here take test payments through the sandbox: a live payment provider is an
 *   operator's step (`liveProvider` says whether it has one).
 * - Keys are `test` keys; the key itself is returned once, by `createTestKey`, and kept only as a hash.
 * - Refusals throw `PayAdminError` with a stable code (`INVALID_NAME`, `ACCOUNT_NOT_FOUND`,
 *   `KEY_NOT_FOUND`, `KEY_ALREADY_REVOKED`) and a message safe to log.
 * - A key is revoked only through the account it belongs to.
 */
import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Config } from '../../platform/config/config.schema.ts';
import { describeDatabaseKind, type Database, type Executor } from '../../platform/db/database.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { AccountError, createAccountService } from './accounts/account.service.ts';
import { createAccountStore } from './accounts/account.store.ts';
import { PayApiError } from './pay.errors.ts';
import { createPayServices, type PayDependencies } from './pay-services.ts';
import { describeState } from './payments/payment-json.ts';
import type { ExternalStatus } from './payments/payment-state.ts';

export type PayAccountSummary = { id: string; name: string; liveProvider: string | null; createdAt: string };
export type PayKeySummary = { id: string; type: 'test' | 'live'; hint: string; description: string; createdAt: string; revokedAt: string | null };

export type ServicePay = {
  /** In `transaction` when given: the account is kept only if the caller's change is. */
  createAccount(input: { name: string; actor: string; transaction?: Executor }): Promise<PayAccountSummary>;
  findAccount(accountId: string): Promise<PayAccountSummary | undefined>;
  /** The key itself, returned here and never again. */
  createTestKey(input: { accountId: string; description: string; actor: string }): Promise<{ id: string; key: string }>;
  listKeys(accountId: string): Promise<PayKeySummary[]>;
  revokeKey(input: { accountId: string; keyId: string; actor: string }): Promise<void>;
};

export { AccountError as PayAdminError };

const KEY_ID = /^[a-z0-9]{1,64}$/i;

export function createServicePay(platform: { db: Database; config: Config; audit: AuditService; clock?: () => Date }): ServicePay {
  const accounts = createAccountService({
    db: platform.db,
    store: createAccountStore({ secrets: secretBoxesOf(platform.config) }),
    audit: platform.audit,
    clock: platform.clock ?? (() => new Date()),
  });
  const summaryOf = (account: { id: string; name: string; liveProvider: string | null; createdAt: string }): PayAccountSummary => ({
    id: account.id,
    name: account.name,
    liveProvider: account.liveProvider,
    createdAt: account.createdAt,
  });
  return {
    async createAccount(input) {
      return summaryOf(await accounts.createAccount({ name: input.name, actor: input.actor, ...(input.transaction ? { transaction: input.transaction } : {}) }));
    },
    async findAccount(accountId) {
      const account = await accounts.findAccount(accountId);
      return account && summaryOf(account);
    },
    async createTestKey(input) {
      const { key, summary } = await accounts.createKey({ accountId: input.accountId, type: 'test', description: input.description, actor: input.actor });
      return { id: summary.id, key };
    },
    async listKeys(accountId) {
      return (await accounts.listKeys(accountId)).map((key) => ({
        id: key.id,
        type: key.type,
        hint: key.hint,
        description: key.description,
        createdAt: key.createdAt,
        revokedAt: key.revokedAt,
      }));
    },
    async revokeKey(input) {
      // By id only, and only a key of this account: an id is never taken for the key itself here.
      const owned = KEY_ID.test(input.keyId) && (await accounts.listKeys(input.accountId)).some((key) => key.id === input.keyId);
      if (!owned) throw new AccountError('KEY_NOT_FOUND', 'There is no such API key');
      await accounts.revokeKey({ keyId: input.keyId, actor: input.actor });
    },
  };
}

/** A payment taken on Pay's own pages for another module, as that module reads it back. */
export type HostedPayment = { paymentId: string; status: ExternalStatus; finished: boolean; amount: number; reference: string };

export type HostedPayments = {
  /**
   * A payment of a Pay account, made without its API key, for the paying person's browser to be
   * sent to (`nextUrl`); Pay sends it back to `returnUrl`. Test payments through the sandbox,
   * or live ones when the account has a live provider. Refusals are PayApiError, as the API's.
   */
  createPayment(input: {
    accountId: string;
    /** Who asks, for Pay's audit trail (`pay-key:<actor>`), such as `forms`. */
    actor: string;
    amount: number;
    reference: string;
    description: string;
    language: 'en' | 'cy';
    returnUrl: string;
  }): Promise<HostedPayment & { nextUrl: string }>;
  /** The payment as Pay has it now (expired if its time is up); undefined unless it is this account's. */
  findPayment(input: { accountId: string; actor: string; paymentId: string }): Promise<HostedPayment | undefined>;
};

/** Pay's payments for another module's journey (a form that charges), built once per process. */
export function createHostedPayments(platform: Omit<PayDependencies, 'kind' | 'providers'>): HostedPayments {
  const services = createPayServices({ ...platform, kind: describeDatabaseKind(platform.config.DATABASE_URL) });
  const callerOf = async (accountId: string, actor: string) => {
    const account = await services.accounts.findAccount(accountId);
    if (!account) throw new AccountError('ACCOUNT_NOT_FOUND', 'There is no such Pay account');
    return {
      keyId: actor,
      accountId,
      live: account.liveProvider !== null,
      liveProvider: account.liveProvider,
      rateLimitPost: account.rateLimitPost,
      rateLimitOther: account.rateLimitOther,
      allowMoto: false,
      allowAuthorisationApi: false,
      recurringEnabled: false,
    };
  };
  const read = (payment: { id: string; status: Parameters<typeof describeState>[0]['status']; failure_code: string | null; amount: number; reference: string }): HostedPayment => {
    const state = describeState(payment);
    return { paymentId: payment.id, status: state.status, finished: state.finished, amount: payment.amount, reference: payment.reference };
  };
  return {
    async createPayment(input) {
      const caller = await callerOf(input.accountId, input.actor);
      const { payment, nextUrlToken } = await services.payments.createPayment({
        caller,
        request: {
          permitted: true,
          amount: input.amount,
          reference: input.reference,
          description: input.description,
          language: input.language,
          returnUrl: input.returnUrl,
          authorisationMode: 'web',
          moto: false,
          delayedCapture: false,
        },
      });
      if (!nextUrlToken) throw new Error('a new payment has no next_url token');
      return { ...read(payment), nextUrl: `${platform.config.BASE_URL}/pay/secure/${nextUrlToken}` };
    },
    async findPayment(input) {
      const caller = await callerOf(input.accountId, input.actor);
      try {
        return read((await services.payments.getPayment(caller, input.paymentId, { withNextUrl: false })).payment);
      } catch (error) {
        if (error instanceof PayApiError && error.statusCode === 404) return undefined;
        throw error;
      }
    },
  };
}
