import type { Kernel } from '../../../platform/kernel.ts';
import { createRecurringJob } from '../../../platform/jobs/recurring-job.ts';
import { createInsightAlerts } from './alerts.ts';

export const EVALUATE_ALERTS_JOB = 'insight.alerts.evaluate';
/** As often as the kernel counts events again: an alert can be no fresher than the counts. */
const EVERY_MS = 10 * 60 * 1000;

/** The recurring job that checks every alert. */
export function createAlertsJob(kernel: Pick<Kernel, 'db' | 'jobs' | 'audit' | 'serviceEvents' | 'config'> & { logger: { info(facts: object, message: string): void } }, clock?: () => Date) {
  const alerts = createInsightAlerts({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents, notify: kernel, ...(clock ? { clock } : {}) });
  return createRecurringJob({
    db: kernel.db,
    jobs: kernel.jobs,
    type: EVALUATE_ALERTS_JOB,
    everyMs: EVERY_MS,
    ...(clock ? { clock } : {}),
    run: async () => {
      const outcome = await alerts.evaluate();
      if (outcome.crossed + outcome.cleared > 0) kernel.logger.info(outcome, 'insight alerts checked');
    },
  });
}
