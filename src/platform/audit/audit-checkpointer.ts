import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { appendAuditCheckpoint, signAuditCheckpoint, type AuditCheckpoint } from './audit-checkpoint.ts';
import { computeAuditEventMac } from './audit-event-mac.ts';
import type { AuditKeyRing } from './audit-keys.ts';
import type { AuditEventRow, AuditStore } from './audit.store.ts';

export const CHECKPOINT_INTERVAL_MS = 60_000;

/**
 * An event is recorded inside its caller's transaction, which may commit after the next timer
 * tick has read the head: so every event keeps the timer looking for this many ticks.
 */
const TICKS_AFTER_RECORDING = 2;

export type AuditCheckpointer = {
  /** Called on every event recorded: starts the timer on the first. */
  noteRecorded(): void;
  /** Checkpoints the newest event now, unless it is the one this process checkpointed last. */
  checkpoint(): Promise<AuditCheckpoint | undefined>;
  /** Stops the timer and, if events were recorded since the last checkpoint, writes one. */
  close(): Promise<void>;
};

function describeHeadProblem(newest: AuditEventRow, keys: AuditKeyRing): string | undefined {
  if (newest.key_id === null) return 'it carries no key id';
  const key = keys.find(newest.key_id);
  if (!key) return 'its key is unknown';
  return computeAuditEventMac(newest, key) === newest.hash ? undefined : 'its MAC is wrong';
}

/**
 * Writes signed checkpoints of the trail's newest event to the log and, when one is set, to
 * AUDIT_CHECKPOINT_FILE: while this process records events, at most once per interval, and on
 * close. Each process writes its own; verify checks them all against the database.
 */
export function createAuditCheckpointer(dependencies: {
  db: Database;
  store: AuditStore;
  keys: AuditKeyRing;
  logger: Logger;
  /** Empty: the log only. */
  file: string;
  clock?: () => Date;
  intervalMs?: number;
}): AuditCheckpointer {
  const { db, store, keys, logger, file } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const intervalMs = dependencies.intervalMs ?? CHECKPOINT_INTERVAL_MS;
  let ticksToCheck = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastWritten: AuditCheckpoint | undefined;
  // One checkpoint at a time, so the timer and close never both write the same head.
  let running: Promise<AuditCheckpoint | undefined> = Promise.resolve(undefined);

  async function writeCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const head = await store.findHead(db);
    if (!head) return undefined;
    const { newest } = head;
    if (lastWritten && newest.sequence === lastWritten.sequence && newest.hash === lastWritten.head) return undefined;
    if (lastWritten && newest.sequence < lastWritten.sequence) {
      logger.error(
        { sequence: newest.sequence, checkpointedSequence: lastWritten.sequence },
        'audit trail is shorter than this process checkpointed it; no checkpoint written',
      );
      return undefined;
    }
    const problem = describeHeadProblem(newest, keys);
    if (problem) {
      logger.error({ sequence: newest.sequence, problem }, 'audit trail newest event does not verify; no checkpoint written');
      return undefined;
    }
    const checkpoint = signAuditCheckpoint(
      { trail: head.firstId, sequence: newest.sequence, id: newest.id, head: newest.hash, at: clock().toISOString() },
      keys.current,
    );
    logger.info({ auditCheckpoint: checkpoint }, 'audit checkpoint');
    if (file !== '') await appendAuditCheckpoint(file, checkpoint);
    lastWritten = checkpoint;
    return checkpoint;
  }

  function checkpoint(): Promise<AuditCheckpoint | undefined> {
    running = running.then(writeCheckpoint, writeCheckpoint);
    return running;
  }

  async function checkpointOrLog(): Promise<void> {
    try {
      await checkpoint();
    } catch (error) {
      logger.error({ err: error }, 'audit checkpoint not written');
    }
  }

  return {
    noteRecorded() {
      ticksToCheck = TICKS_AFTER_RECORDING;
      if (timer || closed) return;
      timer = setInterval(() => {
        if (ticksToCheck === 0) return;
        ticksToCheck -= 1;
        void checkpointOrLog();
      }, intervalMs);
      timer.unref();
    },
    checkpoint,
    async close() {
      closed = true;
      clearInterval(timer);
      timer = undefined;
      if (ticksToCheck > 0) {
        ticksToCheck = 0;
        await checkpointOrLog();
      } else {
        await running.catch(() => undefined);
      }
    },
  };
}
