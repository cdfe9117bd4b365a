import { CliError, type CliCommand } from '../../platform/cli/cli-command.ts';
import { formatDateTime } from '../../platform/http/dates.ts';
import type { Kernel } from '../../platform/kernel.ts';
import type { ProblemReport, ProblemReports } from './problem-reports/problem-reports.ts';

const MOST_REPORTS = 500;

function describeReport(report: ProblemReport): string {
  return [
    `${formatDateTime(report.createdAt, 'en')} (${report.language})${report.page ? ` on ${report.page}` : ''}`,
    ...(report.email ? [`Reply to: ${report.email}`] : []),
    ...(report.whatDoing ? [`Doing: ${report.whatDoing}`] : []),
    `Went wrong: ${report.whatWentWrong}`,
  ].join('\n');
}

/** `civitas site ...`: reading the problems people report from the phase banner's link. */
export function createSiteCommands(reportsOf: (kernel: Kernel) => ProblemReports): CliCommand[] {
  return [
    {
      name: 'site problems',
      summary: 'List the problems people reported, newest first (kept 90 days)',
      usage: `[--limit N (1 to ${MOST_REPORTS}, 20 unless given)]`,
      options: { limit: { type: 'string' } },
      async run(context) {
        const given = context.values.limit;
        const limit = given === undefined ? 20 : Number(given);
        if (!Number.isInteger(limit) || limit < 1 || limit > MOST_REPORTS) throw new CliError(`--limit must be a whole number from 1 to ${MOST_REPORTS}`, 2);
        const kernel = context.kernel();
        const reports = await reportsOf(kernel).listRecent(limit);
        // Reports may hold personal data: who read them, and how many, is on the audit trail.
        await kernel.audit.record({ actor: 'operator:cli', action: 'site.problem-reports.read', subject: 'site:problem-reports', outcome: 'success', details: { reports: reports.length } });
        context.print(reports, reports.length === 0 ? 'No problems reported.' : reports.map(describeReport).join('\n\n'));
        return 0;
      },
    },
  ];
}
