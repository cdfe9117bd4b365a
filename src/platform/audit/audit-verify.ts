import { existsSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import {
  describeCheckpointSignatureProblem,
  isPrintableId,
  readAuditCheckpoints,
  type AuditCheckpoint,
  type AuditCheckpointSource,
} from './audit-checkpoint.ts';
import { computeAuditEventMac, computeUnkeyedAuditEventHash, GENESIS_HASH } from './audit-event-mac.ts';
import type { AuditKeyRing, AuditKeySource } from './audit-keys.ts';
import type { AuditEventRow, AuditStore } from './audit.store.ts';

/** A run of events made under one key. */
export type AuditKeySpan = { keyId: string; source: AuditKeySource; firstSequence: number; lastSequence: number };

export type AuditCheckpointFile = { path: string; found: boolean; checkpoints: number };

export type AuditVerification =
  | {
      intact: true;
      eventCount: number;
      /** Events from before the trail was keyed, at its start, checked by their SHA-256 chain. */
      unkeyedEventCount: number;
      /** The first keyed event; null when there is none. */
      keyedFrom: number | null;
      keys: AuditKeySpan[];
      /** Every checkpoint read, each found to agree with the trail. */
      checkpointCount: number;
      /** The newest event a checkpoint vouches for: deleting those after it would go unnoticed. */
      checkpointedTo: number | null;
      checkpointFiles: AuditCheckpointFile[];
    }
  | {
      intact: false;
      /** The events found intact before the problem. */
      eventCount: number;
      sequence: number;
      id: string;
      reason: string;
      /** The checkpoint the problem was found with, if it was. */
      checkpoint?: AuditCheckpointSource;
    };

type Claim = Pick<AuditCheckpoint, 'trail' | 'id' | 'head' | 'at'> & { source: AuditCheckpointSource };

type Broken = Extract<AuditVerification, { intact: false }>;

function describeSource(source: AuditCheckpointSource): string {
  return `${source.file} line ${source.line}`;
}

function describeOtherTrail(checkpoint: string, otherTrail: string): string {
  return `${checkpoint} is of another trail, whose first event was ${otherTrail}: this trail replaced it, or the file belongs to another database`;
}

function shownSequence(value: unknown): number {
  return Number.isSafeInteger(value) ? (value as number) : 0;
}

function shownId(value: unknown): string {
  return isPrintableId(value) ? value : 'unknown';
}

/** An id from the database as text to print: quoted and escaped unless it is a plain id. */
function quoteUnlessPlain(id: string): string {
  return isPrintableId(id) ? id : JSON.stringify(id);
}

/**
 * Reads every checkpoint, keeping each claim by the sequence it is about, and stops at the first
 * that is malformed or not signed by a known key.
 */
async function readClaims(
  paths: readonly string[],
  keys: AuditKeyRing,
): Promise<{ claims: Map<number, Claim[]>; files: AuditCheckpointFile[]; count: number } | Broken> {
  const claims = new Map<number, Claim[]>();
  const files: AuditCheckpointFile[] = [];
  let count = 0;
  for (const path of paths) {
    const file = { path, found: existsSync(path), checkpoints: 0 };
    files.push(file);
    if (!file.found) continue;
    for await (const read of readAuditCheckpoints(path)) {
      const source = { file: read.file, line: read.line };
      if ('malformed' in read) {
        return {
          intact: false,
          eventCount: 0,
          sequence: shownSequence(read.malformed.sequence),
          id: shownId(read.malformed.id),
          reason: `the checkpoint at ${describeSource(source)} is not a whole checkpoint: it was altered`,
          checkpoint: source,
        };
      }
      const { checkpoint } = read;
      const problem = describeCheckpointSignatureProblem(checkpoint, keys);
      if (problem) {
        return {
          intact: false,
          eventCount: 0,
          sequence: checkpoint.sequence,
          id: checkpoint.id,
          reason: `the checkpoint at ${describeSource(source)} cannot be believed: ${problem}`,
          checkpoint: source,
        };
      }
      const atSequence = claims.get(checkpoint.sequence) ?? [];
      atSequence.push({ trail: checkpoint.trail, id: checkpoint.id, head: checkpoint.head, at: checkpoint.at, source });
      claims.set(checkpoint.sequence, atSequence);
      file.checkpoints += 1;
      count += 1;
    }
  }
  return { claims, files, count };
}

/**
 * Walks the whole trail, oldest first, a page at a time, and names the first problem:
 *
 * - every checkpoint must be well formed and signed by a known key (checked before the walk);
 * - events are numbered from 1 with no gap, and each names the MAC of the one before;
 * - unkeyed events may only open the trail: once one event is keyed, all after it must be, so
 *   no one can append "old" events, whose hash anyone can compute;
 * - a keyed event's MAC must be right under the key it names, which must be a known key;
 * - every checkpoint must match the event at its sequence number, and the trail must reach it.
 */
export async function verifyAuditTrail(input: {
  db: Database;
  store: AuditStore;
  keys: AuditKeyRing;
  checkpointFiles: readonly string[];
  pageSize: number;
}): Promise<AuditVerification> {
  const { db, store, keys, pageSize } = input;
  const read = await readClaims(input.checkpointFiles, keys);
  if ('intact' in read) return read;
  const { claims } = read;

  let previous = { sequence: 0, hash: GENESIS_HASH };
  let eventCount = 0;
  let keyedFrom: number | null = null;
  let trail: string | undefined;
  const spans: AuditKeySpan[] = [];

  function check(row: AuditEventRow): { reason: string; checkpoint?: AuditCheckpointSource } | undefined {
    const expected = previous.sequence + 1;
    if (row.sequence < expected) return { reason: `its sequence number ${row.sequence} comes before the first event` };
    if (row.sequence > expected) {
      return {
        reason:
          row.sequence === expected + 1
            ? `event ${expected} is missing before it`
            : `events ${expected} to ${row.sequence - 1} are missing before it`,
      };
    }
    if (row.previous_hash !== previous.hash) return { reason: 'it does not follow the event before it' };
    if (row.key_id === null) {
      if (keyedFrom !== null) {
        return { reason: `it carries no key, yet the trail is keyed from event ${keyedFrom}: only the events before that may lack one` };
      }
      if (computeUnkeyedAuditEventHash(row) !== row.hash) return { reason: 'its contents were changed' };
    } else {
      const key = keys.find(row.key_id);
      if (!key) return { reason: `it was made under key ${quoteUnlessPlain(row.key_id)}, which is none of the audit keys this process knows` };
      if (computeAuditEventMac(row, key) !== row.hash) return { reason: 'its contents were changed' };
      keyedFrom ??= row.sequence;
      const span = spans.at(-1);
      if (span && span.keyId === key.id) span.lastSequence = row.sequence;
      else spans.push({ keyId: key.id, source: key.source, firstSequence: row.sequence, lastSequence: row.sequence });
    }
    trail ??= row.id;
    for (const claim of claims.get(row.sequence) ?? []) {
      if (claim.trail !== trail) {
        return {
          reason: describeOtherTrail(`the checkpoint at ${describeSource(claim.source)}`, claim.trail),
          checkpoint: claim.source,
        };
      }
      if (claim.id !== row.id || claim.head !== row.hash) {
        return {
          reason: `it is not the event the checkpoint at ${describeSource(claim.source)} (written at ${claim.at}) names: the trail was rewritten`,
          checkpoint: claim.source,
        };
      }
    }
    return undefined;
  }

  // The first page has no lower bound, so an event slipped in before the first one is seen.
  let after: number | undefined;
  for (;;) {
    const page = await store.listAfter(db, after, pageSize);
    for (const row of page) {
      const problem = check(row);
      if (problem) return { intact: false, eventCount, sequence: row.sequence, id: row.id, ...problem };
      previous = { sequence: row.sequence, hash: row.hash };
      eventCount += 1;
    }
    if (page.length < pageSize) break;
    after = previous.sequence;
  }

  let checkpointedTo: number | null = null;
  for (const sequence of claims.keys()) checkpointedTo = Math.max(checkpointedTo ?? sequence, sequence);
  if (checkpointedTo !== null && checkpointedTo > eventCount) {
    const [claim] = claims.get(checkpointedTo) as Claim[];
    const where = `the checkpoint at ${describeSource(claim.source)} (written at ${claim.at})`;
    return {
      intact: false,
      eventCount,
      sequence: checkpointedTo,
      id: claim.id,
      reason:
        trail !== undefined && claim.trail !== trail
          ? describeOtherTrail(where, claim.trail)
          : `it is gone: the trail ends at event ${eventCount}, but ${where} shows it reached event ${checkpointedTo}, so the newest events were deleted`,
      checkpoint: claim.source,
    };
  }
  return {
    intact: true,
    eventCount,
    unkeyedEventCount: keyedFrom === null ? eventCount : keyedFrom - 1,
    keyedFrom,
    keys: spans,
    checkpointCount: read.count,
    checkpointedTo,
    checkpointFiles: read.files,
  };
}

function describeRange(first: number, last: number): string {
  return first === last ? `Event ${first}` : `Events ${first} to ${last}`;
}

/** The result as `civitas audit verify` prints it: the verdict first, then what it rests on. */
export function describeAuditVerification(result: AuditVerification): string {
  if (!result.intact) return `The audit trail is broken at event ${result.sequence} (${quoteUnlessPlain(result.id)}): ${result.reason}.`;
  const lines = [`The audit trail is intact: ${result.eventCount} events checked.`];
  if (result.unkeyedEventCount > 0) {
    const unkeyed = describeRange(1, result.unkeyedEventCount);
    lines.push(
      result.keyedFrom === null
        ? `${unkeyed} carry no key: only their SHA-256 chain is checked, which anyone can compute again.`
        : `${unkeyed} were recorded before the trail was keyed: their SHA-256 chain is checked, and event ${result.keyedFrom}, the first keyed, seals it.`,
    );
  }
  for (const span of result.keys) {
    lines.push(`${describeRange(span.firstSequence, span.lastSequence)}: keyed under ${span.source} (key ${span.keyId}).`);
  }
  for (const file of result.checkpointFiles) {
    if (!file.found) lines.push(`There is no checkpoint file ${file.path}.`);
  }
  if (result.checkpointedTo === null) {
    if (result.eventCount > 0) lines.push('No checkpoint was found: deleting the newest events would go unnoticed.');
  } else {
    const agree = result.checkpointCount === 1 ? '1 checkpoint agrees' : `${result.checkpointCount} checkpoints agree`;
    lines.push(`${agree} with it, the newest at event ${result.checkpointedTo}.`);
    if (result.checkpointedTo < result.eventCount) {
      lines.push(
        `${describeRange(result.checkpointedTo + 1, result.eventCount)} came after every checkpoint: deleting ${result.eventCount - result.checkpointedTo === 1 ? 'it' : 'them'} would go unnoticed.`,
      );
    }
  }
  return lines.join('\n');
}
