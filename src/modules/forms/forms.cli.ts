import { readFile, stat } from 'node:fs/promises';
import { CliError, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import { findConsoleService } from '../console/console.contract.ts';
import { DEFINITION_LIMITS } from './definition/form-definition.ts';
import { FormsError } from './forms.errors.ts';
import { createFormVersions } from './versions/form-versions.ts';
import { createWebhookSecrets } from './webhooks/webhook-secrets.ts';
import { readXlsformFile } from './xlsform/read-xlsform-file.ts';
import { describeXlsformProblem } from './xlsform/xlsform-problems.ts';
import { outboundPolicyOf } from '../../platform/net/outbound-request.ts';

const CLI_ACTOR = 'operator:cli';

function requireString(context: CliContext, name: string): string {
  const value = context.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`Give --${name}`, 2);
  return value;
}

async function readDefinitionFile(file: string): Promise<unknown> {
  const size = await stat(file).then((found) => found.size, () => undefined);
  if (size === undefined) throw new CliError(`Cannot read ${file}`);
  if (size > DEFINITION_LIMITS.bytes) throw new CliError(`${file} is larger than ${DEFINITION_LIMITS.bytes} bytes`);
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new CliError(`${file} is not JSON`);
  }
}

/** Forms' refusals, with every problem of a definition on a line of its own. */
function explain(error: unknown): never {
  if (!(error instanceof FormsError)) throw error;
  throw new CliError([error.message, ...error.problems.map((problem) => `  ${problem.path}: ${problem.message}`)].join('\n'));
}

/** Publishes a definition for a console service (a new form, or a new version of its form with that slug) and prints its id and address. */
async function publishForService(context: CliContext, input: { serviceId: string; definition: unknown }): Promise<number> {
  const kernel = context.kernel();
  if (!(await findConsoleService(kernel.db, input.serviceId))) throw new CliError(`There is no console service ${input.serviceId}`);
  const imported = await createFormVersions({ db: kernel.db, audit: kernel.audit, outboundPolicy: outboundPolicyOf(kernel.config) }).importForm({ ...input, actor: CLI_ACTOR }).catch(explain);
  const url = new URL(`/forms/${imported.slug}`, kernel.config.BASE_URL).href;
  context.print({ form_id: imported.formId, url }, `Published the form at ${url} (form ${imported.formId})`);
  return 0;
}

/** The form named by the command's FORM_ID, with its definition; a missing or unknown form is explained. */
async function findForm(context: CliContext, command: string) {
  const formId = context.positionals[0];
  if (!formId) throw new CliError(`Give the form: ${command} FORM_ID`, 2);
  const kernel = context.kernel();
  const definition = await createFormVersions({ db: kernel.db, audit: kernel.audit }).exportDefinition(formId).catch(explain);
  return { kernel, formId, definition };
}

/** `civitas forms ...`: a form in and out as its JSON definition (docs/forms/form-definition.schema.json). */
export const formsCommands: readonly CliCommand[] = [
  {
    name: 'forms import',
    summary: 'Publish a form from its JSON definition (a new form, or a new version of the service’s form with that slug)',
    usage: 'FILE --service ID',
    options: { service: { type: 'string' } },
    async run(context) {
      const file = context.positionals[0];
      if (!file) throw new CliError('Give the definition file: forms import FILE --service ID', 2);
      const serviceId = requireString(context, 'service');
      return publishForService(context, { serviceId, definition: await readDefinitionFile(file) });
    },
  },
  {
    name: 'forms import-xlsform',
    summary: 'Publish a form from an XLSForm .xlsx (survey, choices, settings; docs/forms/xlsform.md), as forms import does',
    usage: 'FILE --service ID',
    options: { service: { type: 'string' } },
    async run(context) {
      const file = context.positionals[0];
      if (!file) throw new CliError('Give the XLSForm file: forms import-xlsform FILE --service ID', 2);
      const serviceId = requireString(context, 'service');
      const { definition, warnings } = await readXlsformFile(file);
      for (const warning of warnings) context.warn(`Left out: ${describeXlsformProblem(warning)}\n`);
      return publishForService(context, { serviceId, definition });
    },
  },
  {
    name: 'forms export',
    summary: 'Print a form’s definition as JSON (its live version, else its latest draft)',
    usage: 'FORM_ID',
    async run(context) {
      const { kernel, formId, definition } = await findForm(context, 'forms export');
      context.write(`${JSON.stringify(definition, null, 2)}\n`);
      return 0;
    },
  },
  {
    name: 'forms webhook-secret',
    summary: 'Print the secret a form’s webhook deliveries are signed with (Civitas-Signature: sha256=HMAC of the body)',
    usage: 'FORM_ID',
    async run(context) {
      const { kernel, formId } = await findForm(context, 'forms webhook-secret');
      const secret = await createWebhookSecrets({ db: kernel.db, secrets: kernel.secrets }).secretOf(formId);
      await kernel.audit.record({ actor: CLI_ACTOR, action: 'forms.webhook-secret.shown', subject: `form:${formId}`, outcome: 'success' });
      context.print({ form_id: formId, signing_secret: secret }, secret);
      return 0;
    },
  },
];
