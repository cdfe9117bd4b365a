import { readFileSync } from 'node:fs';
import { CliError, type CliCommand, type CliContext } from '../../platform/cli/cli-command.ts';
import { notifyCoreOf } from './notify.core-cache.ts';
import type { NotifyCore } from './notify.core.ts';
import { parseKeyType, ServiceAdminError } from './services/service.service.ts';
import { TemplateInputError } from './templates/template.service.ts';
import type { Postage, TemplateType } from './templates/template.store.ts';

const OPERATOR = 'operator:cli';

function coreOf(context: CliContext): NotifyCore {
  return notifyCoreOf(context.kernel());
}

function required(context: CliContext, name: string): string {
  const value = context.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`--${name} is required`, 2);
  return value;
}

function optionalWholeNumber(context: CliContext, name: string, min: number, max: number): number | undefined {
  const value = context.values[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || number < min || number > max) {
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}`, 2);
  }
  return number;
}

/** Runs a command body, turning the services' own refusals into one line for the operator. */
function command(definition: Omit<CliCommand, 'run'> & { run(context: CliContext, core: NotifyCore): Promise<number> }): CliCommand {
  return {
    ...definition,
    async run(context) {
      try {
        return await definition.run(context, coreOf(context));
      } catch (error) {
        if (error instanceof ServiceAdminError) throw new CliError(error.message);
        if (error instanceof TemplateInputError) throw new CliError(error.problems.map((problem) => `${problem.field}: ${problem.key}`).join(', '));
        throw error;
      }
    },
  };
}

const serviceAdd = command({
  name: 'notify service add',
  summary: 'Create a Notify service',
  usage: '--name NAME [--rate-limit N]',
  options: { name: { type: 'string' }, 'rate-limit': { type: 'string' } },
  async run(context, core) {
    const service = await core.serviceAdmin.createService({
      name: required(context, 'name'),
      rateLimit: optionalWholeNumber(context, 'rate-limit', 1, 10_000_000),
      actor: OPERATOR,
    });
    context.print({ service_id: service.id }, `Created service ${service.name}: ${service.id}`);
    return 0;
  },
});

const serviceList = command({
  name: 'notify service list',
  summary: 'List Notify services',
  async run(context, core) {
    const services = await core.serviceAdmin.listServices();
    context.print(
      services.map((service) => ({ service_id: service.id, name: service.name, active: service.active === 1 })),
      services.map((service) => `${service.id}  ${service.name}`).join('\n') || 'No services.',
    );
    return 0;
  },
});

const serviceSet = command({
  name: 'notify service set',
  summary: "Change a service's limits and settings",
  usage: '--service ID [--rate-limit N] [--email-limit N] [--sms-limit N] [--letter-limit N] [--retention-days N] [--international-sms true|false] [--inbound-number NUMBER] [--sms-sender NAME]',
  options: {
    service: { type: 'string' },
    'rate-limit': { type: 'string' },
    'email-limit': { type: 'string' },
    'sms-limit': { type: 'string' },
    'letter-limit': { type: 'string' },
    'retention-days': { type: 'string' },
    'international-sms': { type: 'string' },
    'inbound-number': { type: 'string' },
    'sms-sender': { type: 'string' },
  },
  async run(context, core) {
    const serviceId = required(context, 'service');
    const changes: Record<string, string | number> = {};
    const numbers = [
      ['rate-limit', 'rate_limit', 1, 10_000_000],
      ['email-limit', 'email_daily_limit', 0, 100_000_000],
      ['sms-limit', 'sms_daily_limit', 0, 100_000_000],
      ['letter-limit', 'letter_daily_limit', 0, 100_000_000],
      ['retention-days', 'retention_days', 3, 90],
    ] as const;
    for (const [option, column, min, max] of numbers) {
      const value = optionalWholeNumber(context, option, min, max);
      if (value !== undefined) changes[column] = value;
    }
    const international = context.values['international-sms'];
    if (international !== undefined) {
      if (international !== 'true' && international !== 'false') throw new CliError('--international-sms must be true or false', 2);
      changes.can_send_international_sms = international === 'true' ? 1 : 0;
    }
    const inbound = context.values['inbound-number'];
    if (typeof inbound === 'string') changes.inbound_number = inbound.replace(/\D/g, '').replace(/^0/, '44');
    const sender = context.values['sms-sender'];
    if (typeof sender === 'string') {
      if (!/^[A-Za-z0-9 ]{3,11}$/.test(sender)) throw new CliError('--sms-sender is 3 to 11 letters, digits and spaces', 2);
      changes.sms_sender = sender;
    }
    if (Object.keys(changes).length === 0) throw new CliError('Give at least one setting to change', 2);
    await core.serviceAdmin.updateSettings({ serviceId, changes, actor: OPERATOR });
    context.print({ service_id: serviceId, changed: Object.keys(changes) }, `Changed ${Object.keys(changes).join(', ')}.`);
    return 0;
  },
});

const templateAdd = command({
  name: 'notify template add',
  summary: 'Add a template to a service',
  usage: '--service ID --type email|sms|letter --name NAME [--subject TEXT] --body-file FILE [--postage first|second|economy]',
  options: {
    service: { type: 'string' },
    type: { type: 'string' },
    name: { type: 'string' },
    subject: { type: 'string' },
    'body-file': { type: 'string' },
    postage: { type: 'string' },
    'contact-block': { type: 'string' },
  },
  async run(context, core) {
    const service = await core.serviceAdmin.requireService(required(context, 'service'));
    const type = required(context, 'type');
    if (!['email', 'sms', 'letter'].includes(type)) throw new CliError('--type must be email, sms or letter', 2);
    let body: string;
    try {
      body = readFileSync(required(context, 'body-file'), 'utf8');
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError('Cannot read the --body-file');
    }
    const template = await core.templates.create({
      serviceId: service.id,
      type: type as TemplateType,
      name: required(context, 'name'),
      subject: typeof context.values.subject === 'string' ? context.values.subject : null,
      body,
      postage: typeof context.values.postage === 'string' ? (context.values.postage as Postage) : null,
      letterContactBlock: typeof context.values['contact-block'] === 'string' ? context.values['contact-block'] : null,
      createdBy: 'operator',
      actor: OPERATOR,
    });
    context.print({ template_id: template.id }, `Created template ${template.name}: ${template.id}`);
    return 0;
  },
});

const keyAdd = command({
  name: 'notify key add',
  summary: 'Create an API key (printed once)',
  usage: '--service ID --type live|team|test --name NAME',
  options: { service: { type: 'string' }, type: { type: 'string' }, name: { type: 'string' } },
  async run(context, core) {
    const keyType = parseKeyType(required(context, 'type'));
    if (!keyType) throw new CliError('--type must be live, team or test', 2);
    const { key, id } = await core.serviceAdmin.createApiKey({
      serviceId: required(context, 'service'),
      keyType,
      name: required(context, 'name'),
      actor: OPERATOR,
    });
    context.print({ key, key_id: id }, `${key}\nKeep this key secret: it will not be shown again.`);
    return 0;
  },
});

const keyRevoke = command({
  name: 'notify key revoke',
  summary: 'Revoke an API key (by its id or the whole key)',
  usage: '--service ID --key KEY_OR_ID',
  options: { service: { type: 'string' }, key: { type: 'string' } },
  async run(context, core) {
    const id = await core.serviceAdmin.revokeApiKey({ serviceId: required(context, 'service'), key: required(context, 'key'), actor: OPERATOR });
    context.print({ key_id: id, revoked: true }, `Revoked key ${id}.`);
    return 0;
  },
});

const keyList = command({
  name: 'notify key list',
  summary: "List a service's API keys (never their secrets)",
  usage: '--service ID',
  options: { service: { type: 'string' } },
  async run(context, core) {
    const keys = await core.serviceAdmin.listApiKeys(required(context, 'service'));
    const shown = keys.map((key) => ({
      key_id: key.id,
      name: key.name,
      type: key.key_type === 'normal' ? 'live' : key.key_type,
      created_at: key.created_at,
      revoked_at: key.revoked_at,
    }));
    context.print(shown, shown.map((key) => `${key.key_id}  ${key.name}  ${key.type}${key.revoked_at ? '  revoked' : ''}`).join('\n') || 'No keys.');
    return 0;
  },
});

const callbackSet = command({
  name: 'notify callback set',
  summary: 'Set where delivery receipts or received text messages are sent',
  usage: '--service ID --type delivery|inbound --url URL --token BEARER_TOKEN',
  options: { service: { type: 'string' }, type: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' } },
  async run(context, core) {
    const kind = required(context, 'type');
    if (kind !== 'delivery' && kind !== 'inbound') throw new CliError('--type must be delivery or inbound', 2);
    await core.serviceAdmin.setCallback({
      serviceId: required(context, 'service'),
      kind,
      url: required(context, 'url'),
      bearerToken: required(context, 'token'),
      actor: OPERATOR,
    });
    context.print({ service_id: context.values.service, type: kind, set: true }, `The ${kind} callback is set.`);
    return 0;
  },
});

const callbackRemove = command({
  name: 'notify callback remove',
  summary: 'Stop sending delivery receipts or received text messages',
  usage: '--service ID --type delivery|inbound',
  options: { service: { type: 'string' }, type: { type: 'string' } },
  async run(context, core) {
    const kind = required(context, 'type');
    if (kind !== 'delivery' && kind !== 'inbound') throw new CliError('--type must be delivery or inbound', 2);
    await core.serviceAdmin.setCallback({ serviceId: required(context, 'service'), kind, url: null, bearerToken: null, actor: OPERATOR });
    context.print({ service_id: context.values.service, type: kind, set: false }, `The ${kind} callback is removed.`);
    return 0;
  },
});

const teamAdd = command({
  name: 'notify team add',
  summary: 'Add a team member (who may receive team-key messages)',
  usage: '--service ID --email ADDRESS [--phone NUMBER]',
  options: { service: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } },
  async run(context, core) {
    await core.serviceAdmin.addTeamMember({
      serviceId: required(context, 'service'),
      emailAddress: required(context, 'email'),
      phoneNumber: typeof context.values.phone === 'string' ? context.values.phone : undefined,
      actor: OPERATOR,
    });
    context.print({ added: true }, 'Team member added.');
    return 0;
  },
});

const teamRemove = command({
  name: 'notify team remove',
  summary: 'Remove a team member',
  usage: '--service ID --email ADDRESS',
  options: { service: { type: 'string' }, email: { type: 'string' } },
  async run(context, core) {
    await core.serviceAdmin.removeTeamMember({ serviceId: required(context, 'service'), emailAddress: required(context, 'email'), actor: OPERATOR });
    context.print({ removed: true }, 'Team member removed.');
    return 0;
  },
});

const teamList = command({
  name: 'notify team list',
  summary: "List a service's team members",
  usage: '--service ID',
  options: { service: { type: 'string' } },
  async run(context, core) {
    const members = await core.serviceAdmin.listTeamMembers(required(context, 'service'));
    context.print(
      members.map((member) => ({ email_address: member.email_address, phone_number: member.phone_number })),
      members.map((member) => `${member.email_address}${member.phone_number ? `  ${member.phone_number}` : ''}`).join('\n') || 'No team members.',
    );
    return 0;
  },
});

const guestAdd = command({
  name: 'notify guest-list add',
  summary: 'Let team keys send to this email address or mobile number',
  usage: '--service ID --recipient ADDRESS_OR_NUMBER',
  options: { service: { type: 'string' }, recipient: { type: 'string' } },
  async run(context, core) {
    await core.serviceAdmin.addGuest({ serviceId: required(context, 'service'), recipient: required(context, 'recipient'), actor: OPERATOR });
    context.print({ added: true }, 'Added to the guest list.');
    return 0;
  },
});

const guestRemove = command({
  name: 'notify guest-list remove',
  summary: 'Take a recipient off the guest list',
  usage: '--service ID --recipient ADDRESS_OR_NUMBER',
  options: { service: { type: 'string' }, recipient: { type: 'string' } },
  async run(context, core) {
    await core.serviceAdmin.removeGuest({ serviceId: required(context, 'service'), recipient: required(context, 'recipient'), actor: OPERATOR });
    context.print({ removed: true }, 'Removed from the guest list.');
    return 0;
  },
});

const guestList = command({
  name: 'notify guest-list list',
  summary: "List a service's guest list",
  usage: '--service ID',
  options: { service: { type: 'string' } },
  async run(context, core) {
    const guests = await core.serviceAdmin.listGuests(required(context, 'service'));
    context.print(guests.map((guest) => ({ recipient: guest.recipient, type: guest.recipient_type })), guests.map((guest) => guest.recipient).join('\n') || 'The guest list is empty.');
    return 0;
  },
});

const senderAdd = command({
  name: 'notify sender add',
  summary: 'Add an email reply-to address or a text message sender',
  usage: '--service ID --type email-reply-to|sms-sender --value VALUE [--default]',
  options: { service: { type: 'string' }, type: { type: 'string' }, value: { type: 'string' }, default: { type: 'boolean' } },
  async run(context, core) {
    const type = required(context, 'type');
    if (type !== 'email-reply-to' && type !== 'sms-sender') throw new CliError('--type must be email-reply-to or sms-sender', 2);
    const id = await core.serviceAdmin.addSender({
      serviceId: required(context, 'service'),
      type: type === 'email-reply-to' ? 'email_reply_to' : 'sms_sender',
      value: required(context, 'value'),
      isDefault: context.values.default === true,
      actor: OPERATOR,
    });
    context.print({ sender_id: id }, `Added sender ${id}.`);
    return 0;
  },
});

export const notifyCommands: readonly CliCommand[] = [
  serviceAdd, serviceList, serviceSet, templateAdd, keyAdd, keyRevoke, keyList, callbackSet, callbackRemove,
  teamAdd, teamRemove, teamList, guestAdd, guestRemove, guestList, senderAdd,
];
