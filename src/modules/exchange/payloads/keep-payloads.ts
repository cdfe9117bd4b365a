import type { Executor } from '../../../platform/db/database.ts';
import type { SecretBox } from '../../../platform/secrets/secret-box.ts';
import type { CallRegistryView } from '../gateway/call-registry.ts';
import { createPayloadStore, type PayloadRow, type PayloadSide } from './payload.store.ts';

/** The secret box purpose payloads are sealed for: a key of their own, derived from ENCRYPTION_KEY. */
export const PAYLOAD_PURPOSE = 'exchange-payload';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A side of a call whose subsystem asked for payloads to be kept, and for how long. */
export type PayloadKeeper = { side: PayloadSide; subsystemId: string; keepDays: number };

/** What a sealed body is bound to: its row, call, subsystem, side and part, so it opens nowhere else. */
export function describeBinding(row: Pick<PayloadRow, 'id' | 'x_road_id' | 'subsystem_id' | 'side'>, part: 'request' | 'response'): string {
  return `exchange-payload/1\n${row.id}\n${row.x_road_id}\n${row.subsystem_id}\n${row.side}\n${part}`;
}

/**
 * The sides of a call that asked for its payloads to be kept: the client subsystem, the
 * provider's, both or (by default) neither. Read from the registry as the gateway caches it.
 */
export async function findPayloadKeepers(registry: CallRegistryView, call: { clientSubsystemId: string; providerSubsystemId: string }): Promise<PayloadKeeper[]> {
  const keepers: PayloadKeeper[] = [];
  for (const [side, subsystemId] of [['client', call.clientSubsystemId], ['provider', call.providerSubsystemId]] as const) {
    const setting = await registry.findPayloadSetting(subsystemId);
    if (setting) keepers.push({ side, subsystemId, keepDays: Number(setting.keep_days) });
  }
  return keepers;
}

/**
 * Seals a call's bodies once for each side that asked (the request as the provider got it, the
 * answer as the consumer got it, cut to the agreed fields) and gives back the write that stores
 * them against the call's message-log record, run in the transaction that writes the record.
 */
export function sealPayloads(input: { box: SecretBox; keepers: readonly PayloadKeeper[]; xRoadId: string; request: Buffer | undefined; response: Buffer | undefined; now: Date }) {
  const keptAt = input.now.toISOString();
  const rows = input.keepers.map((keeper): Omit<PayloadRow, 'log_sequence'> => {
    const row = { id: crypto.randomUUID(), x_road_id: input.xRoadId, subsystem_id: keeper.subsystemId, side: keeper.side };
    return {
      ...row,
      request_body: input.request === undefined ? null : input.box.sealBytes(input.request, describeBinding(row, 'request')),
      response_body: input.response === undefined ? null : input.box.sealBytes(input.response, describeBinding(row, 'response')),
      kept_at: keptAt,
      delete_after: new Date(input.now.getTime() + keeper.keepDays * DAY_MS).toISOString(),
    };
  });
  return (executor: Executor, record: { sequence: number }) => createPayloadStore(executor).insert(rows.map((row) => ({ ...row, log_sequence: Number(record.sequence) })));
}
