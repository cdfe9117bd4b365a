import type { FastifyBaseLogger as Logger } from 'fastify';
import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Config } from '../../platform/config/config.schema.ts';
import type { ServiceEventRecorder } from '../../platform/events/service-events.ts';
import type { Database, DatabaseKind } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/jobs/job-queue.ts';
import type { Kernel } from '../../platform/kernel.ts';
import type { MailTransport } from '../../platform/mail/mail-transport.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { createOutboundRequester, outboundPolicyOf } from '../../platform/net/outbound-request.ts';
import { createAccountService } from './accounts/account.service.ts';
import { createAccountStore } from './accounts/account.store.ts';
import { createAgreementService } from './agreements/agreement.service.ts';
import { createAgreementStore } from './agreements/agreement.store.ts';
import { createDisputeService } from './disputes/dispute.service.ts';
import { createDisputeStore } from './disputes/dispute.store.ts';
import { createIdempotencyStore } from './idempotency/idempotency.store.ts';
import { createLedgerStore } from './ledger/ledger.store.ts';
import { createPaymentEventRecorder } from './ledger/payment-events.ts';
import { createNextUrlTokens } from './payments/next-url-token.ts';
import { createPaymentService } from './payments/payment.service.ts';
import { createPaymentStore } from './payments/payment.store.ts';
import type { PaymentProvider, PaymentProviders } from './providers/payment-provider.ts';
import { createSandboxProvider } from './providers/sandbox.provider.ts';
import { createRateLimitStore } from './rate-limits/rate-limit.store.ts';
import { createRateLimiter } from './rate-limits/rate-limiter.ts';
import { createRefundService } from './refunds/refund.service.ts';
import { createRefundStore } from './refunds/refund.store.ts';
import { createReportService } from './report/payment-report.ts';
import { createScheduleStore } from './schedule/schedule.store.ts';
import { createSweeper } from './schedule/sweeper.ts';
import { createWebhookService } from './webhooks/webhook.service.ts';
import { createWebhookStore } from './webhooks/webhook.store.ts';

/** What the Pay module is built with: the kernel's services, plus what tests may replace. */
export type PayDependencies = {
  db: Database;
  kind: DatabaseKind;
  config: Config;
  audit: AuditService;
  jobs: JobQueue;
  mail: MailTransport;
  logger: Logger;
  clock?: () => Date;
  /** Real provider adapters, by name, beside the built-in sandbox. */
  providers?: readonly PaymentProvider[];
  serviceEvents?: ServiceEventRecorder;
};

/** Every Pay service, wired together. Each process builds its own; they share only the database. */
export function createPayServices(dependencies: PayDependencies) {
  const { db, kind, config, audit, jobs, mail, logger } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const providers: PaymentProviders = new Map(
    [createSandboxProvider(), ...(dependencies.providers ?? [])].map((provider) => [provider.name, provider]),
  );
  const paymentStore = createPaymentStore(kind);
  const ledgerStore = createLedgerStore();
  const refundStore = createRefundStore();
  const idempotencyStore = createIdempotencyStore();
  const rateLimitStore = createRateLimitStore();
  const accounts = createAccountService({ db, store: createAccountStore({ secrets: secretBoxesOf(config) }), audit, clock });
  const webhooks = createWebhookService({
    db,
    store: createWebhookStore({ secrets: secretBoxesOf(config) }),
    jobs,
    audit,
    logger,
    outbound: createOutboundRequester(outboundPolicyOf(config)),
    clock,
  });
  const events = createPaymentEventRecorder({ ledger: ledgerStore, webhooks, baseUrl: config.BASE_URL });
  const agreementStore = createAgreementStore({ kind, secrets: secretBoxesOf(config) });
  const agreements = createAgreementService({ db, agreements: agreementStore, audit, clock });
  const disputes = createDisputeService({ db, disputes: createDisputeStore(), payments: paymentStore, jobs, clock });
  const payments = createPaymentService({
    db,
    disputes,
    nextUrlTokens: createNextUrlTokens(() => accounts.loadSecretKey('next-url')),
    payments: paymentStore,
    agreements: agreementStore,
    ledger: ledgerStore,
    idempotency: idempotencyStore,
    events,
    jobs,
    audit,
    providers,
    clock,
    logger,
    serviceEvents: dependencies.serviceEvents,
  });
  const refunds = createRefundService({
    db,
    payments: paymentStore,
    refunds: refundStore,
    events,
    jobs,
    audit,
    providers,
    clock,
    logger,
  });
  const sweeper = createSweeper({
    db,
    schedule: createScheduleStore(),
    jobs,
    payments,
    rateLimits: rateLimitStore,
    idempotency: idempotencyStore,
    clock,
  });
  return {
    db,
    config,
    clock,
    mail,
    logger,
    accounts,
    payments,
    refunds,
    disputes,
    agreements,
    webhooks,
    sweeper,
    rateLimiter: createRateLimiter({ db, store: rateLimitStore, clock }),
    reports: createReportService({ db, ledger: ledgerStore, clock }),
    paymentStore,
  };
}

export type PayServices = ReturnType<typeof createPayServices>;

/** Pay's services on an open kernel, as the module, its commands and tests build them. */
export function payServicesOf(kernel: Kernel, options: { clock?: () => Date; providers?: readonly PaymentProvider[] } = {}): PayServices {
  return createPayServices({
    db: kernel.db,
    kind: kernel.database.kind,
    config: kernel.config,
    audit: kernel.audit,
    jobs: kernel.jobs,
    mail: kernel.mail,
    logger: kernel.logger,
    clock: options.clock,
    providers: options.providers,
    serviceEvents: kernel.serviceEvents,
  });
}
