import { writeFileSync } from 'node:fs';
import { CliError, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import { AccountError } from './accounts/account.service.ts';
import type { PayServices } from './pay-services.ts';
import { formatReportCsv } from './report/payment-report.ts';
import { WEBHOOK_EVENT_TYPES, WebhookError } from './webhooks/webhook.service.ts';

/** The operator running a command, as the audit trail names them. */
const OPERATOR = 'operator:cli';

type ServicesFromContext = (context: CliContext) => Promise<PayServices>;

function requireString(context: CliContext, name: string): string {
  const value = context.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`Give --${name}`, 2);
  return value.trim();
}

function readLimit(context: CliContext, name: string): number | undefined {
  const value = context.values[name];
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || limit < 1 || limit > 1_000_000) {
    throw new CliError(`--${name} must be a whole number from 1 to 1000000`, 2);
  }
  return limit;
}

function readSwitch(context: CliContext, name: string): boolean | undefined {
  const value = context.values[name];
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off') throw new CliError(`--${name} must be on or off`, 2);
  return value === 'on';
}

/** Turns the services' own errors into messages for the person at the terminal. */
async function explainErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AccountError || error instanceof WebhookError) throw new CliError(error.message);
    throw error;
  }
}

async function requireAccount(services: PayServices, accountId: string) {
  const account = await services.accounts.findAccount(accountId);
  if (!account) throw new CliError(`There is no Pay account ${accountId}`);
  return account;
}

export function createPayCommands(servicesFrom: ServicesFromContext): CliCommand[] {
  return [
    {
      name: 'pay account add',
      summary: 'Create a Pay service account',
      usage: '--name NAME [--rate-limit-post N] [--rate-limit-other N] [--moto] [--moto-api] [--recurring]',
      options: {
        name: { type: 'string' },
        'rate-limit-post': { type: 'string' },
        'rate-limit-other': { type: 'string' },
        moto: { type: 'boolean' },
        'moto-api': { type: 'boolean' },
        recurring: { type: 'boolean' },
      },
      async run(context) {
        const services = await servicesFrom(context);
        const account = await explainErrors(() =>
          services.accounts.createAccount({
            name: requireString(context, 'name'),
            rateLimitPost: readLimit(context, 'rate-limit-post'),
            rateLimitOther: readLimit(context, 'rate-limit-other'),
            allowMoto: context.values.moto === true,
            allowAuthorisationApi: context.values['moto-api'] === true,
            recurringEnabled: context.values.recurring === true,
            actor: OPERATOR,
          }),
        );
        context.print({ account_id: account.id }, `Created the Pay account "${account.name}": ${account.id}`);
        return 0;
      },
    },
    {
      name: 'pay account set',
      summary:
        'Turn MOTO payments (moto: true), the MOTO API (authorisation_mode moto_api) or recurring card payments (agreements) on or off for an account',
      usage: '--account ID [--moto on|off] [--moto-api on|off] [--recurring on|off]',
      options: { account: { type: 'string' }, moto: { type: 'string' }, 'moto-api': { type: 'string' }, recurring: { type: 'string' } },
      async run(context) {
        const services = await servicesFrom(context);
        const accountId = requireString(context, 'account');
        const allowMoto = readSwitch(context, 'moto');
        const allowAuthorisationApi = readSwitch(context, 'moto-api');
        const recurringEnabled = readSwitch(context, 'recurring');
        const account = await explainErrors(async () => {
          const changeMoto = allowMoto !== undefined || allowAuthorisationApi !== undefined || recurringEnabled === undefined;
          let changed = changeMoto
            ? await services.accounts.setMoto({ accountId, allowMoto, allowAuthorisationApi, actor: OPERATOR })
            : undefined;
          if (recurringEnabled !== undefined) {
            changed = await services.accounts.setRecurring({ accountId, recurringEnabled, actor: OPERATOR });
          }
          return changed as NonNullable<typeof changed>;
        });
        const onOff = (value: boolean) => (value ? 'on' : 'off');
        context.print(
          {
            account_id: account.id,
            allow_moto: account.allowMoto,
            allow_authorisation_api: account.allowAuthorisationApi,
            recurring_enabled: account.recurringEnabled,
          },
          `MOTO payments are ${onOff(account.allowMoto)}, the MOTO API is ${onOff(account.allowAuthorisationApi)} and recurring card payments are ${onOff(account.recurringEnabled)} for ${account.id}`,
        );
        return 0;
      },
    },
    {
      name: 'pay account list',
      summary: 'List the Pay service accounts',
      async run(context) {
        const services = await servicesFrom(context);
        const accounts = await services.accounts.listAccounts();
        context.print(
          accounts.map((account) => ({
            account_id: account.id,
            name: account.name,
            allow_moto: account.allowMoto,
            allow_authorisation_api: account.allowAuthorisationApi,
            recurring_enabled: account.recurringEnabled,
            created_date: account.createdAt,
          })),
          accounts.length === 0 ? 'No Pay accounts.' : accounts.map((account) => `${account.id}  ${account.name}`).join('\n'),
        );
        return 0;
      },
    },
    {
      name: 'pay key add',
      summary: 'Create an API key for a Pay account (shown once)',
      usage: '--account ID --type test|live [--description TEXT]',
      options: { account: { type: 'string' }, type: { type: 'string' }, description: { type: 'string' } },
      async run(context) {
        const services = await servicesFrom(context);
        const type = requireString(context, 'type');
        if (type !== 'test' && type !== 'live') throw new CliError('--type must be test or live', 2);
        const { key, summary } = await explainErrors(() =>
          services.accounts.createKey({
            accountId: requireString(context, 'account'),
            type,
            description: typeof context.values.description === 'string' ? context.values.description : '',
            actor: OPERATOR,
          }),
        );
        context.print(
          { key, key_id: summary.id },
          `API key ${summary.id} (${type}). Keep it secret; it is not shown again:\n${key}`,
        );
        return 0;
      },
    },
    {
      name: 'pay key list',
      summary: 'List the API keys of a Pay account',
      usage: '--account ID',
      options: { account: { type: 'string' } },
      async run(context) {
        const services = await servicesFrom(context);
        const account = await requireAccount(services, requireString(context, 'account'));
        const keys = await services.accounts.listKeys(account.id);
        context.print(
          keys.map((key) => ({ key_id: key.id, type: key.type, hint: key.hint, created_date: key.createdAt, revoked_date: key.revokedAt })),
          keys.length === 0
            ? 'No API keys.'
            : keys.map((key) => `${key.id}  ${key.type}  ${key.hint}  ${key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}`).join('\n'),
        );
        return 0;
      },
    },
    {
      name: 'pay key revoke',
      summary: 'Revoke an API key (by its id, or the key itself): it stops working at once',
      usage: '--key KEY_ID|KEY',
      options: { key: { type: 'string' } },
      async run(context) {
        const services = await servicesFrom(context);
        const summary = await explainErrors(() =>
          services.accounts.revokeKey({ keyId: requireString(context, 'key'), actor: OPERATOR }),
        );
        context.print({ key_id: summary.id, revoked_date: summary.revokedAt }, `Revoked API key ${summary.id}.`);
        return 0;
      },
    },
    {
      name: 'pay webhook add',
      summary: 'Subscribe a URL to payment events (prints the signing secret once)',
      usage: '--account ID --url URL [--events a,b] [--live] [--description TEXT]',
      options: {
        account: { type: 'string' },
        url: { type: 'string' },
        events: { type: 'string' },
        live: { type: 'boolean' },
        description: { type: 'string' },
      },
      async run(context) {
        const services = await servicesFrom(context);
        const account = await requireAccount(services, requireString(context, 'account'));
        const events =
          typeof context.values.events === 'string'
            ? context.values.events.split(',').map((event) => event.trim()).filter(Boolean)
            : [...WEBHOOK_EVENT_TYPES];
        const { webhook, signingSecret } = await explainErrors(() =>
          services.webhooks.createWebhook({
            accountId: account.id,
            live: context.values.live === true,
            url: requireString(context, 'url'),
            description: typeof context.values.description === 'string' ? context.values.description : '',
            events,
            actor: OPERATOR,
          }),
        );
        context.print(
          { webhook_id: webhook.id, signing_secret: signingSecret, events: webhook.events },
          `Webhook ${webhook.id} sends ${webhook.events.join(', ')} to ${webhook.url}.\nSigning secret (shown on the team pages too): ${signingSecret}`,
        );
        return 0;
      },
    },
    {
      name: 'pay webhook list',
      summary: 'List the webhooks of a Pay account',
      usage: '--account ID',
      options: { account: { type: 'string' } },
      async run(context) {
        const services = await servicesFrom(context);
        const account = await requireAccount(services, requireString(context, 'account'));
        const webhooks = await services.webhooks.listWebhooks({ accountId: account.id });
        context.print(
          webhooks.map((webhook) => ({
            webhook_id: webhook.id,
            url: webhook.url,
            live: webhook.live,
            status: webhook.status,
            events: webhook.events,
          })),
          webhooks.length === 0
            ? 'No webhooks.'
            : webhooks.map((webhook) => `${webhook.id}  ${webhook.live ? 'live' : 'test'}  ${webhook.status}  ${webhook.url}`).join('\n'),
        );
        return 0;
      },
    },
    {
      name: 'pay report',
      summary: "Write a CSV of a day's payments, refunds and totals (UTC day)",
      usage: '--account ID --date YYYY-MM-DD [--out FILE]',
      options: { account: { type: 'string' }, date: { type: 'string' }, out: { type: 'string' } },
      async run(context) {
        const services = await servicesFrom(context);
        const account = await requireAccount(services, requireString(context, 'account'));
        const date = requireString(context, 'date');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
          throw new CliError('--date must be a date as YYYY-MM-DD', 2);
        }
        const report = await services.reports.report({ accountId: account.id, date });
        const csv = formatReportCsv(report);
        const out = context.values.out;
        if (typeof out === 'string' && out !== '') writeFileSync(out, csv);
        if (context.json) {
          context.print(
            { file: typeof out === 'string' ? out : null, balanced: report.balanced, totals: report.totals, problems: report.problems },
            '',
          );
        } else if (typeof out === 'string' && out !== '') {
          context.write(`Wrote ${report.lines.length} lines to ${out}. ${report.balanced ? 'The totals balance.' : 'THE TOTALS DO NOT BALANCE.'}\n`);
        } else {
          context.write(csv);
        }
        if (!report.balanced) {
          context.warn(`The report does not balance:\n${report.problems.join('\n')}\n`);
          return 1;
        }
        return 0;
      },
    },
    {
      name: 'pay sweep',
      summary: 'Expire payments whose 90 minutes are up, now (the workers do it every minute)',
      async run(context) {
        const services = await servicesFrom(context);
        const expired = await services.sweeper.sweep();
        context.print({ expired }, `Expired ${expired} payments.`);
        return 0;
      },
    },
  ];
}
