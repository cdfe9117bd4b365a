import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { sendSystemEmail, SYSTEM_TEMPLATES } from '../../notify/notify.contract.ts';
import type { Answers } from '../runner/answers.ts';
import { createTeamLinks } from '../files/team-links.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { composeSubmissionEmail, paymentLineOf } from './submission-email.ts';
import { createSubmissionStore } from './submission.store.ts';

/**
 * Delivers a submission to the form's team: an email through Notify when the form names an
 * address, then the submission is marked delivered (and audited). A retry after a crash between
 * the two sends the email again; the submission itself is never duplicated.
 */
export function createDeliverSubmissionJob(kernel: Kernel, clock: () => Date = () => new Date()): JobHandler {
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const links = createTeamLinks({ encryptionKey: kernel.config.ENCRYPTION_KEY, baseUrl: kernel.config.BASE_URL });
  return {
    async run(job) {
      const submissionId = String(job.payload.submissionId);
      const submission = await createSubmissionStore(kernel.db).find(submissionId);
      if (!submission || submission.delivered_at) return;
      const version = await versions.findVersion(submission.version_id);
      const to = version?.definition.settings.submissionEmail;
      if (version && to) {
        const email = composeSubmissionEmail({
          definition: version.definition,
          reference: submission.reference,
          answers: JSON.parse(submission.answers) as Answers,
          submittedAt: submission.created_at,
          linkToFile: links.linkToFile,
          answersCsvLink: links.linkToAnswersCsv(submission.id),
          payment: paymentLineOf(submission),
        });
        await sendSystemEmail(kernel, { templateKey: SYSTEM_TEMPLATES.accountNoticeEmail, to, personalisation: email, reference: submission.id });
      }
      await kernel.db.transaction().execute(async (transaction) => {
        await createSubmissionStore(transaction).markDelivered(submissionId, clock().toISOString());
        await kernel.audit.record(
          { actor: 'system', action: 'forms.submission.delivered', subject: `form:${submission.form_id}`, outcome: 'success', details: { submission: submissionId, emailed: Boolean(to) } },
          transaction,
        );
      });
    },
  };
}
