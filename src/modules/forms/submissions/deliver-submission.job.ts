import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import { createSubmissionStore } from './submission.store.ts';

/**
 * Delivers a submission to the form's team. For now the hook records the delivery; the email
 * through Notify (with a CSV) and the signed webhook come in a later increment, here.
 */
export function createDeliverSubmissionJob(dependencies: { db: Database; audit: AuditService; clock?: () => Date }): JobHandler {
  const clock = dependencies.clock ?? (() => new Date());
  return {
    async run(job) {
      const submissionId = String(job.payload.submissionId);
      const submissions = createSubmissionStore(dependencies.db);
      const submission = await submissions.find(submissionId);
      if (!submission || submission.delivered_at) return;
      await dependencies.db.transaction().execute(async (transaction) => {
        await createSubmissionStore(transaction).markDelivered(submissionId, clock().toISOString());
        await dependencies.audit.record({ actor: 'system', action: 'forms.submission.delivered', subject: `form:${submission.form_id}`, outcome: 'success', details: { submission: submissionId } }, transaction);
      });
    },
  };
}
