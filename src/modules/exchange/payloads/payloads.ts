import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { SecretBoxError, type SecretBox } from '../../../platform/secrets/secret-box.ts';
import { ExchangeError } from '../exchange.errors.ts';
import { createMessageLogStore } from '../message-log/message-log.store.ts';
import { formatSubsystem, IdentifierError, parseSubsystem } from '../registry/identifiers.ts';
import { createRegistryStore, type SubsystemWithMember } from '../registry/registry.store.ts';
import { createRegistryVersionStore } from '../registry/registry-version.store.ts';
import { createPayloadStore, type PayloadRow, type PayloadSide } from './payload.store.ts';
import { describeBinding } from './keep-payloads.ts';

/** The longest a member may ask for payloads to be kept: seven years, as records of a case often are. */
export const MAX_KEEP_DAYS = 2_557;

/** Who reads a kept payload back: an auditor (any copy), or a member (its own subsystems' copies only). */
export type PayloadReader = { kind: 'auditor' } | { kind: 'member'; memberId: string };

export type ReadPayload = {
  log_sequence: number;
  x_road_id: string;
  side: PayloadSide;
  subsystem: string;
  kept_at: string;
  delete_after: string;
  request_body: Buffer | null;
  response_body: Buffer | null;
};

/** `DAYS` (1 to MAX_KEEP_DAYS) or `off`, as a person types it. */
export function readKeepDays(text: string): number | 'off' {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'off') return 'off';
  const days = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_KEEP_DAYS) {
    throw new ExchangeError('exchange.INVALID_RETENTION', `Give the days to keep payloads, a whole number from 1 to ${MAX_KEEP_DAYS}, or off`);
  }
  return days;
}

/**
 * Whether a subsystem's calls have their bodies kept (as X-Road's message body logging, per
 * subsystem, off unless asked), and reading a kept one back. Every change and every reading is
 * audited; a change adds one to the registry version, so every gateway process starts or stops
 * keeping from its next call.
 */
export function createPayloads(dependencies: { db: Database; audit: AuditService; instance: string; box: SecretBox; clock?: () => Date }) {
  const { db, audit, instance, box } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());

  async function requireSubsystem(identifier: string): Promise<SubsystemWithMember> {
    let id;
    try {
      id = parseSubsystem(identifier);
    } catch (error) {
      if (error instanceof IdentifierError) throw new ExchangeError('exchange.INVALID_IDENTIFIER', error.message);
      throw error;
    }
    const subsystem = id.instance === instance ? await createRegistryStore(db).findSubsystemByIdentifier(id) : undefined;
    if (!subsystem) throw new ExchangeError('exchange.SUBSYSTEM_NOT_FOUND', `There is no subsystem ${identifier}`, 404);
    return subsystem;
  }

  return {
    /** Days a subsystem's payloads are kept, or null when they are not. */
    async readSetting(subsystemIdentifier: string): Promise<number | null> {
      const subsystem = await requireSubsystem(subsystemIdentifier);
      return (await createPayloadStore(db).findSetting(subsystem.id))?.keep_days ?? null;
    },

    /**
     * Starts keeping a subsystem's payloads for `keepDays`, changes the days, or stops (`off`).
     * Payloads kept already stay until their own retention ends. `asMemberId`, when given, must be
     * the subsystem's member (a member asks only for its own).
     */
    async setKeeping(input: { subsystem: string; keepDays: number | 'off'; asMemberId?: string; actor: string }): Promise<{ subsystemId: string; keepDays: number | null }> {
      const subsystem = await requireSubsystem(input.subsystem);
      if (input.asMemberId !== undefined && subsystem.member_id !== input.asMemberId) throw new ExchangeError('exchange.SUBSYSTEM_NOT_FOUND', `There is no subsystem ${input.subsystem}`, 404);
      const keepDays = typeof input.keepDays === 'number' ? readKeepDays(String(input.keepDays)) : 'off';
      const subject = `exchange-subsystem:${subsystem.id}`;
      await db.transaction().execute(async (transaction) => {
        const store = createPayloadStore(transaction);
        const before = (await store.findSetting(subsystem.id))?.keep_days ?? null;
        if (keepDays === 'off') {
          if (!(await store.removeSetting(subsystem.id))) return;
          await createRegistryVersionStore(transaction).bump();
          await audit.record({ actor: input.actor, action: 'exchange.payloads.keeping-stopped', subject, outcome: 'success', details: { was_keep_days: before } }, transaction);
          return;
        }
        if (before === keepDays) return;
        await store.putSetting({ subsystem_id: subsystem.id, keep_days: keepDays, set_by: input.actor, set_at: clock().toISOString() });
        await createRegistryVersionStore(transaction).bump();
        await audit.record({ actor: input.actor, action: before === null ? 'exchange.payloads.keeping-started' : 'exchange.payloads.keeping-changed', subject, outcome: 'success', details: { keep_days: keepDays, was_keep_days: before } }, transaction);
      });
      return { subsystemId: formatSubsystem({ instance: subsystem.member.instance, memberClass: subsystem.member.member_class, memberCode: subsystem.member.member_code, subsystemCode: subsystem.subsystem_code }), keepDays: keepDays === 'off' ? null : keepDays };
    },

    /**
     * The payloads kept for a message-log record, opened: every side's for an auditor, a member's
     * own subsystems' for a member. Audited with the reason, whether or not they open. Throws
     * ExchangeError (none kept, or none the reader may see) or SecretBoxError (they do not open with
     * ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS, or were changed).
     */
    async read(input: { sequence: number; reader: PayloadReader; reason: string; actor: string }): Promise<ReadPayload[]> {
      const registry = createRegistryStore(db);
      const rows = await createPayloadStore(db).listForRecord(input.sequence);
      const subsystems = new Map<string, SubsystemWithMember | undefined>();
      for (const row of rows) if (!subsystems.has(row.subsystem_id)) subsystems.set(row.subsystem_id, await registry.findSubsystem(row.subsystem_id));
      const { reader } = input;
      const visible = rows.filter((row) => reader.kind === 'auditor' || subsystems.get(row.subsystem_id)?.member_id === reader.memberId);
      const reading = { actor: input.actor, action: 'exchange.payload.read', subject: `exchange-message-log:${input.sequence}`, details: { reader: reader.kind === 'auditor' ? 'auditor' : `member:${reader.memberId}`, reason: input.reason.slice(0, 500), sides: visible.map((row) => row.side).join(',') } };
      if (visible.length === 0) {
        await audit.record({ ...reading, outcome: 'failure' });
        throw new ExchangeError('exchange.PAYLOAD_NOT_FOUND', `No payload is kept for record ${input.sequence}${reader.kind === 'member' ? ' for that member' : ''}`, 404);
      }
      const record = await createMessageLogStore(db).findBySequence(input.sequence);
      let opened: ReadPayload[];
      try {
        // Bound to its X-Road-Id when sealed: a payload moved onto another record's sequence is not that call's.
        if (visible.some((row) => row.x_road_id !== record?.x_road_id)) throw new SecretBoxError('The kept payload is not the one of this message-log record');
        opened = visible.map((row) => openRow(row, subsystems.get(row.subsystem_id)));
      } catch (error) {
        if (error instanceof SecretBoxError) await audit.record({ ...reading, outcome: 'failure' });
        throw error;
      }
      await audit.record({ ...reading, outcome: 'success' });
      return opened;
    },
  };

  function openRow(row: PayloadRow, subsystem: SubsystemWithMember | undefined): ReadPayload {
    const open = (sealed: string | null, part: 'request' | 'response') => (sealed === null ? null : box.openBytes(sealed, describeBinding(row, part)));
    return {
      log_sequence: Number(row.log_sequence),
      x_road_id: row.x_road_id,
      side: row.side,
      subsystem: subsystem ? formatSubsystem({ instance: subsystem.member.instance, memberClass: subsystem.member.member_class, memberCode: subsystem.member.member_code, subsystemCode: subsystem.subsystem_code }) : row.subsystem_id,
      kept_at: row.kept_at,
      delete_after: row.delete_after,
      request_body: open(row.request_body, 'request'),
      response_body: open(row.response_body, 'response'),
    };
  }
}

export type Payloads = ReturnType<typeof createPayloads>;
