import { CliError, optionalStringOption, requireStringOption, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import { createInsight } from './insight.ts';
import { InsightError } from './insight.errors.ts';
import { performanceDataOf } from './pages/performance-data.ts';
import { createRoadmapTracker } from './roadmap/roadmap.ts';
import { ALERT_KINDS, createInsightAlerts } from './alerts/alerts.ts';
import { readFile } from 'node:fs/promises';

const CLI_ACTOR = 'operator:cli';

function insightOf(context: CliContext) {
  const kernel = context.kernel();
  return createInsight({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents });
}

function alertsOf(context: CliContext) {
  const kernel = context.kernel();
  return createInsightAlerts({ db: kernel.db, audit: kernel.audit, serviceEvents: kernel.serviceEvents, notify: kernel });
}

/** A whole number option, or undefined when not given. */
function wholeNumberOption(context: CliContext, name: string): number | undefined {
  const text = optionalStringOption(context, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,13}$/.test(text)) throw new CliError(`--${name} must be a whole number`, 2);
  return Number(text);
}

async function reportingProblems<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InsightError) throw new CliError(error.message);
    throw error;
  }
}

/** `civitas insight ...` */
export const insightCommands: readonly CliCommand[] = [
  {
    name: 'insight publish',
    summary: "Publish a console service's performance figures at /performance/SLUG (the slug is made from the service's name unless given)",
    usage: '--service ID [--slug SLUG]',
    options: { service: { type: 'string' }, slug: { type: 'string' } },
    async run(context) {
      const published = await reportingProblems(() => insightOf(context).publish({ serviceId: requireStringOption(context, 'service'), slug: optionalStringOption(context, 'slug'), actor: CLI_ACTOR }));
      context.print({ service_id: published.service.id, slug: published.slug, url: `/performance/${published.slug}` }, `Published ${published.service.name} at /performance/${published.slug}`);
      return 0;
    },
  },
  {
    name: 'insight unpublish',
    summary: "Stop publishing a service's performance figures",
    usage: '--service ID',
    options: { service: { type: 'string' } },
    async run(context) {
      const serviceId = requireStringOption(context, 'service');
      await reportingProblems(() => insightOf(context).unpublish({ serviceId, actor: CLI_ACTOR }));
      context.print({ service_id: serviceId, published: false }, 'The service no longer publishes its figures');
      return 0;
    },
  },
  {
    name: 'insight figures',
    summary: "Enter a month's figures the platform cannot see: transactions by other channels (phone, paper) and the month's total cost in pence",
    usage: '--service ID --month YYYY-MM [--non-digital N] [--cost-pence N]',
    options: { service: { type: 'string' }, month: { type: 'string' }, 'non-digital': { type: 'string' }, 'cost-pence': { type: 'string' } },
    async run(context) {
      const input = {
        serviceId: requireStringOption(context, 'service'),
        month: requireStringOption(context, 'month'),
        nonDigitalTransactions: wholeNumberOption(context, 'non-digital'),
        costPence: wholeNumberOption(context, 'cost-pence'),
      };
      if (input.nonDigitalTransactions === undefined && input.costPence === undefined) throw new CliError('Give --non-digital, --cost-pence or both', 2);
      await reportingProblems(() => insightOf(context).enterTeamFigures({ ...input, actor: CLI_ACTOR }));
      context.print({ service_id: input.serviceId, month: input.month, non_digital_transactions: input.nonDigitalTransactions ?? null, cost_pence: input.costPence ?? null }, `Entered the figures for ${input.month}`);
      return 0;
    },
  },
  {
    name: 'insight show',
    summary: "Print a service's measures for a month (this month by default) and the month before, as the performance page's JSON",
    usage: '--service ID [--month YYYY-MM]',
    options: { service: { type: 'string' }, month: { type: 'string' } },
    async run(context) {
      const insight = insightOf(context);
      const figures = await reportingProblems(() => insight.figures(requireStringOption(context, 'service'), optionalStringOption(context, 'month')));
      const data = performanceDataOf((await insight.publicationOf(figures.service.id)) ?? '', figures);
      const text = data.measures.map((row) => `${row.measure.padEnd(28)} ${String(row.value ?? '-').padStart(12)} ${String(row.previous_value ?? '-').padStart(12)}`).join('\n');
      context.print(data, `${figures.service.name}: ${data.month} beside ${data.previous_month}\n${text}`);
      return 0;
    },
  },
  {
    name: 'insight alert add',
    summary: `Email the service's owners and developers when a threshold is crossed: ${ALERT_KINDS.join(' (percent) or ')} (messages in an hour)`,
    usage: '--service ID --kind KIND --threshold N',
    options: { service: { type: 'string' }, kind: { type: 'string' }, threshold: { type: 'string' } },
    async run(context) {
      const threshold = wholeNumberOption(context, 'threshold');
      if (threshold === undefined) throw new CliError('Give --threshold', 2);
      const id = await reportingProblems(() => alertsOf(context).add({ serviceId: requireStringOption(context, 'service'), kind: requireStringOption(context, 'kind'), threshold, actor: CLI_ACTOR }));
      context.print({ alert_id: id }, `Added alert ${id}`);
      return 0;
    },
  },
  {
    name: 'insight alert list',
    summary: "List a service's alerts and whether each is crossed now",
    usage: '--service ID',
    options: { service: { type: 'string' } },
    async run(context) {
      const alerts = await alertsOf(context).list(requireStringOption(context, 'service'));
      context.print(alerts, alerts.map((alert) => `${alert.id}  ${alert.kind} ${alert.threshold}  ${alert.crossed ? 'crossed' : 'clear'} since ${alert.changedAt}`).join('\n') || 'No alerts');
      return 0;
    },
  },
  {
    name: 'insight alert remove',
    summary: 'Remove one of a service\'s alerts',
    usage: '--service ID --alert ID',
    options: { service: { type: 'string' }, alert: { type: 'string' } },
    async run(context) {
      const removed = await alertsOf(context).remove({ serviceId: requireStringOption(context, 'service'), alertId: requireStringOption(context, 'alert'), actor: CLI_ACTOR });
      if (!removed) throw new CliError('The service has no such alert');
      context.print({ removed: true }, 'Removed the alert');
      return 0;
    },
  },
  {
    name: 'insight import-roadmap',
    summary: 'Publish a roadmap (missions, commitments and their progress updates) at /performance/roadmap from a JSON file (docs/insight/roadmap.schema.json); nothing is stored if any part is wrong',
    usage: 'FILE',
    async run(context) {
      const [file, extra] = context.positionals;
      if (!file || extra !== undefined) throw new CliError('Give one file: civitas insight import-roadmap FILE', 2);
      let document: unknown;
      try {
        document = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new CliError((error as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} is not a file` : `${file} is not JSON`);
      }
      const kernel = context.kernel();
      const result = await createRoadmapTracker({ db: kernel.db, audit: kernel.audit }).importDocument(document, CLI_ACTOR);
      if (!result.imported) {
        context.print({ imported: false, problems: result.problems }, result.problems.map((problem) => `${problem.path} ${problem.message}`).join('\n'));
        return 1;
      }
      context.print(result, `Published version ${result.version} of the roadmap: ${result.missions} missions, ${result.commitments} commitments, ${result.updates} updates`);
      return 0;
    },
  },
];
