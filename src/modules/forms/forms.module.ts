import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readMessageCatalogues } from '../../platform/http/i18n.ts';
import type { CivitasModule } from '../../platform/module.ts';
import { createAnswerFiles } from './files/answer-files.ts';
import { registerTeamDownloads } from './files/team-downloads.routes.ts';
import { createTeamLinks } from './files/team-links.ts';
import { fileScannerFor } from './files/file-scanner.ts';
import { acceptMultipartForms } from './files/multipart-upload.ts';
import { formsCommands } from './forms.cli.ts';
import { createInternalRelyingParty, createInternalSignIn } from '../identity/identity.contract.ts';
import { registerSignInPages, SIGN_IN_CALLBACK_PATH } from './runner/sign-in.routes.ts';
import { secretBoxesOf } from '../../platform/secrets/secret-box.ts';
import { outboundPolicyOf } from '../../platform/net/outbound-request.ts';
import { formsMigrations } from './migrations/forms.migrations.ts';
import { createJourneySubmitter, registerJourneyEndPages } from './runner/journey-end.routes.ts';
import { createFormInsight } from './runner/form-insight.ts';
import { createFormPayments } from './payments/form-payments.ts';
import { registerPaymentPages } from './payments/payment.routes.ts';
import { createHostedPayments } from '../pay/pay.contract.ts';
import { findPayAccountOfConsoleService } from '../console/console.contract.ts';
import { registerQuestionPages } from './runner/question.routes.ts';
import { registerNoLongerAvailablePage } from './runner/runner-context.ts';
import { registerEligibilityCheck } from './runner/eligibility-check.routes.ts';
import { setUpBlueBadgeExample } from './examples/blue-badge-example.ts';
import { createRunnerSessions } from './runner/runner-sessions.ts';
import { createRetentionJob, ensureRetentionScheduled, RETENTION_JOB } from './retention/retention.job.ts';
import { createConfirmSubmissionJob } from './submissions/confirm-submission.job.ts';
import { createDeliverSubmissionJob } from './submissions/deliver-submission.job.ts';
import { CONFIRM_SUBMISSION_JOB, createSubmissions, DELIVER_SUBMISSION_JOB, SEND_WEBHOOK_JOB } from './submissions/submissions.ts';
import { createSendWebhookJob } from './webhooks/send-webhook.job.ts';
import { createFormVersions } from './versions/form-versions.ts';
import { registerBuilderPages } from './builder/builder.pages.ts';
import { registerTeamSubmissionPages } from './submissions/team-submissions.pages.ts';
import { createFormBuilder } from './builder/form-builder.ts';
import { SIGN_IN_LEVELS } from './definition/form-definition.ts';

/** Forms: form definitions and their versions, the runner at /forms/{slug}, submissions. */
export const formsModule: CivitasModule = {
  name: 'forms',
  migrations: formsMigrations,
  commands: formsCommands,
  messages: readMessageCatalogues(join(import.meta.dirname, 'locales')),
  homeLink: { component: 'forms', href: '/forms/apply-for-a-blue-badge' },
  createJobHandlers: (kernel) => ({
    [DELIVER_SUBMISSION_JOB]: createDeliverSubmissionJob(kernel),
    [CONFIRM_SUBMISSION_JOB]: createConfirmSubmissionJob(kernel),
    [RETENTION_JOB]: createRetentionJob(kernel),
    [SEND_WEBHOOK_JOB]: createSendWebhookJob(kernel),
  }),
  async plugin(app: FastifyInstance) {
    // A webhook URL the console builder publishes is checked as every URL a team gives Civitas to call.
    const versions = createFormVersions({ db: app.db, audit: app.audit, outboundPolicy: outboundPolicyOf(app.config) });
    const dependencies = {
      versions,
      sessions: createRunnerSessions({ db: app.db }),
      insight: createFormInsight({ serviceEvents: app.serviceEvents, versions, onRefused: (error) => app.log.warn({ err: error }, 'form event not recorded for Insight') }),
      submissions: createSubmissions({ db: app.db, jobs: app.jobs }),
      files: createAnswerFiles({ db: app.db, scanner: fileScannerFor(app.config) }),
    };
    await acceptMultipartForms(app);
    registerNoLongerAvailablePage(app);
    await ensureRetentionScheduled({ db: app.db, jobs: app.jobs });
    const eligibility = registerEligibilityCheck(app, { ...dependencies, secrets: secretBoxesOf(app.config) });
    eligibility.register();
    registerQuestionPages(app, { ...dependencies, eligibility });
    const relyingParty = createInternalRelyingParty(
      app.db,
      { name: 'forms', displayName: 'Civitas Forms', welshDisplayName: 'Ffurflenni Civitas', baseUrl: app.config.BASE_URL, callbackPath: SIGN_IN_CALLBACK_PATH, signedOutPath: '/forms/signed-out', allowedLevels: [...SIGN_IN_LEVELS] },
      secretBoxesOf(app.config),
    );
    registerSignInPages(app, { ...dependencies, signIn: createInternalSignIn(relyingParty) });
    registerTeamDownloads(app, { ...dependencies, links: createTeamLinks({ encryptionKey: app.config.ENCRYPTION_KEY, baseUrl: app.config.BASE_URL }) });
    const submitJourney = createJourneySubmitter(app, dependencies.submissions, dependencies.insight);
    const payments = createFormPayments({
      db: app.db,
      hosted: createHostedPayments({ db: app.db, config: app.config, audit: app.audit, jobs: app.jobs, mail: app.mail, logger: app.log }),
      audit: app.audit,
      baseUrl: app.config.BASE_URL,
      findPayAccount: async (executor, formId) => {
        const serviceId = await dependencies.versions.findServiceId(formId);
        return serviceId ? findPayAccountOfConsoleService(executor, serviceId) : undefined;
      },
    });
    registerJourneyEndPages(app, { ...dependencies, payments, submitJourney });
    if (app.config.DEMO_SERVICE && app.config.DEMO_EXCHANGE) {
      // An example that cannot be set up (such as a BASE_URL Exchange will not send people back to) does not stop Civitas.
      await setUpBlueBadgeExample(app, dependencies.versions).catch((error: unknown) => app.log.warn({ err: error }, 'the Blue Badge example was not set up'));
    }
    registerPaymentPages(app, { ...dependencies, payments, submitJourney });
    await registerTeamSubmissionPages(app, dependencies);
    await registerBuilderPages(app, { builder: createFormBuilder({ db: app.db, audit: app.audit, versions: dependencies.versions }) });
  },
};
