import type { FastifyInstance } from 'fastify';
import { describeDatabaseKind } from '../../platform/db/database.ts';
import type { Kernel } from '../../platform/kernel.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { createAccountStore } from './accounts/account.store.ts';
import { PAY_OVERSIZED_REQUEST_ANSWER, registerPayApi } from './api/api.plugin.ts';
import { loadPayMessages } from './locales/pay-messages.ts';
import { payMigrations } from './migrations/pay.migrations.ts';
import { createPayCommands } from './pay.cli.ts';
import { createPayServices, payServicesOf, type PayServices } from './pay-services.ts';
import { registerHostedPaymentPages } from './pages/hosted/hosted-pages.routes.ts';
import { registerTeamPages } from './pages/team/team-pages.routes.ts';
import {
  AUTHORISE_AGREEMENT_PAYMENT_JOB,
  CANCEL_AUTHORISATION_JOB,
  CAPTURE_JOB,
  SEND_CONFIRMATION_JOB,
} from './payments/payment.service.ts';
import { createConfirmationEmailSender } from './payments/confirmation-email.ts';
import type { PaymentProvider } from './providers/payment-provider.ts';
import { REFUND_JOB } from './refunds/refund.service.ts';
import { CLOSE_DISPUTE_JOB } from './disputes/dispute.service.ts';
import { SWEEP_JOB } from './schedule/sweeper.ts';
import { DELIVER_WEBHOOK_JOB, WEBHOOK_RETRY_DELAYS_MS } from './webhooks/webhook.service.ts';
import { createWebhookStore } from './webhooks/webhook.store.ts';

export type PayModuleOptions = {
  /** For tests: the time Pay sees (payments expire 90 minutes after it says they were made). */
  clock?: () => Date;
  /** Adapters for real payment providers, beside the built-in sandbox. */
  providers?: readonly PaymentProvider[];
};

/**
 * Pay: take card payments with GOV.UK Pay's API, on hosted GOV.UK payment pages, through a
 * payment provider (the built-in sandbox, or an adapter), with webhooks and a ledger.
 */
export function createPayModule(options: PayModuleOptions = {}): CivitasModule {
  const messages = loadPayMessages();
  return {
    name: 'pay',
    migrations: payMigrations,
    messages,
    homeLink: { component: 'pay', href: '/pay' },
    oversizedRequestAnswers: [PAY_OVERSIZED_REQUEST_ANSWER],
    commands: createPayCommands(async (context) => {
      const kernel = context.kernel();
      await kernel.migrate();
      return payServicesOf(kernel, options);
    }),

    async plugin(app: FastifyInstance) {
      // Secrets kept in clear (the migration's installation keys, webhook secrets from before
      // sealing) or under a previous ENCRYPTION_KEY are sealed before any request reads them.
      const secrets = secretBoxesOf(app.config);
      await createAccountStore({ secrets }).resealSecrets(app.db);
      await createWebhookStore({ secrets }).resealSigningSecrets(app.db);
      const services = createPayServices({
        db: app.db,
        kind: describeDatabaseKind(app.config.DATABASE_URL),
        config: app.config,
        audit: app.audit,
        jobs: app.jobs,
        mail: app.mail,
        logger: app.log,
        clock: options.clock,
        providers: options.providers,
        serviceEvents: app.serviceEvents,
      });
      await registerPayApi(app, services);
      await registerHostedPaymentPages(app, services);
      await registerTeamPages(app, services);
      app.addHook('onReady', async () => {
        try {
          await services.sweeper.ensureScheduled();
        } catch (error) {
          app.log.error({ err: error }, 'pay sweeper could not be scheduled');
        }
      });
    },

    createJobHandlers(kernel) {
      const services = payServicesOf(kernel, options);
      const confirmations = createConfirmationEmailSender({ services, messages });
      return {
        [DELIVER_WEBHOOK_JOB]: {
          run: (job) => services.webhooks.deliver(job),
          retryDelayMs: (attempt) => WEBHOOK_RETRY_DELAYS_MS[attempt - 1] ?? WEBHOOK_RETRY_DELAYS_MS.at(-1) ?? 60_000,
        },
        [CAPTURE_JOB]: { run: (job) => services.payments.runCapture(String(job.payload.paymentId)) },
        [CANCEL_AUTHORISATION_JOB]: { run: (job) => services.payments.runCancelAuthorisation(String(job.payload.paymentId)) },
        [AUTHORISE_AGREEMENT_PAYMENT_JOB]: { run: (job) => services.payments.runAgreementAuthorisation(String(job.payload.paymentId)) },
        [REFUND_JOB]: { run: (job) => services.refunds.runRefund(String(job.payload.refundId)) },
        [CLOSE_DISPUTE_JOB]: {
          run: (job) => services.disputes.runClose(String(job.payload.disputeId), job.payload.outcome === 'won' ? 'won' : 'lost'),
        },
        [SEND_CONFIRMATION_JOB]: { run: (job) => confirmations.send(String(job.payload.paymentId)) },
        [SWEEP_JOB]: { run: (job) => services.sweeper.run(job), retryDelayMs: () => 60_000 },
      };
    },
  };
}

export const payModule: CivitasModule = createPayModule();
