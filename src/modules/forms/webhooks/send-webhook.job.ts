import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { createOutboundRequester, outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import { createTeamLinks, type TeamLinks } from '../files/team-links.ts';
import type { Answers, FileAnswer } from '../runner/answers.ts';
import type { SubmissionRow } from '../submissions/submission.store.ts';
import { createSubmissionStore } from '../submissions/submission.store.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { createWebhookSecrets, SIGNATURE_HEADER, signWebhookBody } from './webhook-secrets.ts';

const TIMEOUT_MS = 10_000;

/**
 * The JSON a receiver gets: the same bytes on every try (nothing in it changes between tries),
 * so a receiver may compare or hash it. Answers are stored values, by page, with their questions.
 */
export function composeWebhookBody(input: { definition: FormDefinition; submission: SubmissionRow; links: TeamLinks }): string {
  const { definition, submission } = input;
  const answers = JSON.parse(submission.answers) as Answers;
  return JSON.stringify({
    submission_id: submission.id,
    reference: submission.reference,
    form: { id: submission.form_id, slug: definition.slug, version_id: submission.version_id },
    submitted_at: submission.created_at,
    ...(submission.pay_payment_id ? { payment: { amount: submission.payment_amount, reference: submission.payment_reference, pay_payment_id: submission.pay_payment_id } } : {}),
    answers: definition.pages
      .filter((page) => answers[page.id])
      .map((page) => ({
        page_id: page.id,
        question: page.question.en,
        answer_type: page.answerType,
        values: (answers[page.id]?.values ?? []).map((value) =>
          page.answerType === 'file' ? { ...(value as FileAnswer), url: input.links.linkToFile((value as FileAnswer).fileId) } : value,
        ),
      })),
  });
}

/**
 * POSTs a submission to its form's webhook: signed, with the submission's id as the
 * Idempotency-Key on every try, through the kernel's outbound requester (no private addresses
 * unless allowed, no redirects followed). Anything but a 2xx is retried with backoff.
 */
export function createSendWebhookJob(kernel: Kernel, options: { retryDelayMs?: (attempt: number) => number } = {}): JobHandler {
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const secrets = createWebhookSecrets({ db: kernel.db, secrets: kernel.secrets });
  const requester = createOutboundRequester(outboundPolicyOf(kernel.config));
  const links = createTeamLinks({ encryptionKey: kernel.config.ENCRYPTION_KEY, baseUrl: kernel.config.BASE_URL });
  return {
    ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
    async run(job) {
      const submission = await createSubmissionStore(kernel.db).find(String(job.payload.submissionId));
      const version = submission ? await versions.findVersion(submission.version_id) : undefined;
      const url = version?.definition.settings.webhookUrl;
      if (!submission || !version || !url) return;
      const body = composeWebhookBody({ definition: version.definition, submission, links });
      const response = await requester.send({
        url,
        method: 'POST',
        body,
        timeoutMs: TIMEOUT_MS,
        maxResponseBytes: 1024,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': submission.id,
          [SIGNATURE_HEADER]: signWebhookBody(body, await secrets.secretOf(submission.form_id)),
          'user-agent': 'Civitas-Forms',
        },
      });
      if (response.status < 200 || response.status > 299) throw new Error(`the receiver answered ${response.status}`);
      await kernel.audit.record({ actor: 'system', action: 'forms.submission.webhook-delivered', subject: `form:${submission.form_id}`, outcome: 'success', details: { submission: submission.id, attempt: job.attempt } });
    },
  };
}
