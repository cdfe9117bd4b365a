import { createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditKey, AuditKeyRing } from './audit-keys.ts';

export const AUDIT_CHECKPOINT_FORMAT = 'civitas-audit-checkpoint/1';

/**
 * A process's signed claim, kept outside the database: "the trail whose first event is `trail`
 * had `sequence` events, the newest `id` with MAC `head`". Whoever rewrites or cuts the trail
 * back afterwards cannot make it agree with the claim, nor sign a new one, without the key.
 * Ids and MACs only: no personal data.
 */
export type AuditCheckpoint = {
  format: typeof AUDIT_CHECKPOINT_FORMAT;
  trail: string;
  sequence: number;
  id: string;
  head: string;
  /** Equal to `sequence`, as the trail numbers its events from 1 with no gap. */
  eventCount: number;
  at: string;
  keyId: string;
  mac: string;
};

export type AuditCheckpointClaim = Pick<AuditCheckpoint, 'trail' | 'sequence' | 'id' | 'head' | 'at'>;

/** Where a checkpoint was read, for a report that points at it. */
export type AuditCheckpointSource = { file: string; line: number };

export type ReadAuditCheckpoint = AuditCheckpointSource &
  ({ checkpoint: AuditCheckpoint } | { malformed: { sequence?: unknown; id?: unknown } });

function computeCheckpointMac(checkpoint: Omit<AuditCheckpoint, 'mac'>, key: AuditKey): string {
  const canonical = JSON.stringify([
    checkpoint.format,
    checkpoint.trail,
    checkpoint.sequence,
    checkpoint.id,
    checkpoint.head,
    checkpoint.eventCount,
    checkpoint.at,
    checkpoint.keyId,
  ]);
  return createHmac('sha256', key.checkpointKey).update(canonical).digest('hex');
}

export function signAuditCheckpoint(claim: AuditCheckpointClaim, key: AuditKey): AuditCheckpoint {
  const unsigned = { format: AUDIT_CHECKPOINT_FORMAT, ...claim, eventCount: claim.sequence, keyId: key.id } as const;
  return { ...unsigned, mac: computeCheckpointMac(unsigned, key) };
}

/** Why the checkpoint cannot be believed, or undefined when a known key signed it as it reads. */
export function describeCheckpointSignatureProblem(checkpoint: AuditCheckpoint, keys: AuditKeyRing): string | undefined {
  const key = keys.find(checkpoint.keyId);
  if (!key) return `it was signed under key ${checkpoint.keyId}, which is none of the audit keys this process knows`;
  const { mac, ...unsigned } = checkpoint;
  if (computeCheckpointMac(unsigned, key) !== mac) return 'its MAC is wrong: it was forged or altered';
  if (checkpoint.eventCount !== checkpoint.sequence) return 'its event count differs from its sequence number';
  return undefined;
}

/**
 * Appends one line and flushes it to the disk before returning. Processes sharing the file each
 * append a whole line in one write (O_APPEND), so on a local file system lines never interleave.
 */
export async function appendAuditCheckpoint(file: string, checkpoint: AuditCheckpoint): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o640);
  try {
    await handle.write(`${JSON.stringify(checkpoint)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Narrow enough that what a forged line holds can be printed as it is: no spaces, no escapes.
const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
const MAC_PATTERN = /^[0-9a-f]{64}$/;
const TIME_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,12}Z$/;

/** True for an id (of an event, a trail or a key) that is safe to print as it is. */
export function isPrintableId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

function isWellFormed(candidate: Record<string, unknown>): candidate is AuditCheckpoint {
  return (
    isPrintableId(candidate.trail) &&
    Number.isSafeInteger(candidate.sequence) &&
    (candidate.sequence as number) >= 1 &&
    isPrintableId(candidate.id) &&
    typeof candidate.head === 'string' &&
    MAC_PATTERN.test(candidate.head) &&
    Number.isSafeInteger(candidate.eventCount) &&
    typeof candidate.at === 'string' &&
    TIME_PATTERN.test(candidate.at) &&
    isPrintableId(candidate.keyId) &&
    typeof candidate.mac === 'string' &&
    MAC_PATTERN.test(candidate.mac)
  );
}

/**
 * Reads the checkpoints in a checkpoint file, or in a log file where they appear as the
 * `auditCheckpoint` field of `audit checkpoint` lines; every other line is passed over. A
 * line that says it is a checkpoint but is not a whole one is reported as malformed.
 */
export async function* readAuditCheckpoints(file: string): AsyncGenerator<ReadAuditCheckpoint> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    if (!isRecord(parsed)) continue;
    const candidate = isRecord(parsed.auditCheckpoint) ? parsed.auditCheckpoint : parsed;
    if (candidate.format !== AUDIT_CHECKPOINT_FORMAT) continue;
    yield isWellFormed(candidate)
      ? { file, line, checkpoint: candidate }
      : { file, line, malformed: { sequence: candidate.sequence, id: candidate.id } };
  }
}
