import { CliError, requireStringOption, type CliCommand, type CliContext } from '../../../platform/cli/cli-command.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { SecretBoxError } from '../../../platform/secrets/secret-box.ts';
import { CLI_ACTOR, explainErrors } from '../exchange.cli.ts';
import { PAYLOAD_PURPOSE } from './keep-payloads.ts';
import { createPayloads, MAX_KEEP_DAYS, readKeepDays, type PayloadReader } from './payloads.ts';

function payloadsOf(kernel: Kernel) {
  return createPayloads({ db: kernel.db, audit: kernel.audit, instance: kernel.config.EXCHANGE_INSTANCE, box: kernel.secrets.forPurpose(PAYLOAD_PURPOSE) });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A body as JSON can carry it: text when it is UTF-8, base64 when it is not. */
function describeBody(body: Buffer | null): { body: string | null; encoding: 'utf-8' | 'base64' | null } {
  if (body === null) return { body: null, encoding: null };
  try {
    return { body: strictUtf8.decode(body), encoding: 'utf-8' };
  } catch {
    return { body: body.toString('base64'), encoding: 'base64' };
  }
}

function readerOf(context: CliContext): PayloadReader {
  const as = requireStringOption(context, 'as');
  return as === 'auditor' ? { kind: 'auditor' } : { kind: 'member', memberId: as };
}

/** `civitas exchange subsystem payloads` and `exchange payload show`: payloads kept where a member asks, and reading them back. */
export const payloadCommands: readonly CliCommand[] = [
  {
    name: 'exchange subsystem payloads',
    summary: `Keep the request and (cut) response bodies of a subsystem's calls, encrypted, for DAYS (1 to ${MAX_KEEP_DAYS}), or stop keeping them (off, the default)`,
    usage: '--subsystem SUBSYSTEM_ID --keep DAYS|off',
    options: { subsystem: { type: 'string' }, keep: { type: 'string' } },
    async run(context) {
      const subsystem = requireStringOption(context, 'subsystem');
      const result = await explainErrors(async () => payloadsOf(context.kernel()).setKeeping({ subsystem, keepDays: readKeepDays(requireStringOption(context, 'keep')), actor: CLI_ACTOR.audit }));
      context.print(
        { subsystem_id: result.subsystemId, keep_days: result.keepDays },
        result.keepDays === null ? `Payloads of ${result.subsystemId} are not kept.` : `Payloads of ${result.subsystemId} are kept, encrypted, for ${result.keepDays} days.`,
      );
      return 0;
    },
  },
  {
    name: 'exchange payload show',
    summary: "Read back, decrypted, the payloads kept for a message-log record (an auditor's, or a member's own); audited with the reason",
    usage: 'SEQUENCE --as auditor|MEMBER_ID --reason TEXT',
    options: { as: { type: 'string' }, reason: { type: 'string' } },
    async run(context) {
      const [sequenceText] = context.positionals;
      if (!sequenceText || !/^[1-9]\d{0,15}$/.test(sequenceText)) throw new CliError('Give the message-log record (its sequence number) whose payloads to read', 2);
      const reader = readerOf(context);
      const reason = requireStringOption(context, 'reason');
      let payloads;
      try {
        payloads = await explainErrors(() => payloadsOf(context.kernel()).read({ sequence: Number(sequenceText), reader, reason, actor: CLI_ACTOR.audit }));
      } catch (error) {
        if (error instanceof SecretBoxError) throw new CliError('The payload does not open with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS, or it was changed since it was kept');
        throw error;
      }
      const shown = payloads.map(({ request_body: request, response_body: response, ...rest }) => {
        const requestBody = describeBody(request);
        const responseBody = describeBody(response);
        return { ...rest, request_body: requestBody.body, request_body_encoding: requestBody.encoding, response_body: responseBody.body, response_body_encoding: responseBody.encoding };
      });
      context.print({ payloads: shown }, shown.map((each) => `Record ${each.log_sequence} (${each.x_road_id}), kept for the ${each.side} ${each.subsystem} until ${each.delete_after}\nRequest: ${each.request_body ?? '(none)'}\nResponse: ${each.response_body ?? '(none)'}`).join('\n\n'));
      return 0;
    },
  },
];
