import { randomUUID } from 'node:crypto';
import type { Database } from '../../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../../platform/secrets/secret-box.ts';
import type { Journey, JourneyState } from './journey.ts';
import { createJourneyStore } from './journey.store.ts';

const JOURNEY_MINUTES = 60;

/** A journey about a new identity: a new id, and only what the state given holds. */
export function startJourney(state: JourneyState): Journey {
  return { id: randomUUID(), state };
}

function isJourney(value: unknown): value is Journey {
  const journey = value as Partial<Journey> | null;
  return typeof journey?.id === 'string' && typeof journey.state?.name === 'string';
}

/**
 * Journeys are kept by the provider's interaction id; the provider's cookie binds that to the
 * browser, and a new authorization request makes a new interaction, so a new journey. A state
 * saved before journeys were state machines (an hour at most) reads as a journey just started.
 */
export function createJourneys(dependencies: { db: Database; secrets: SecretBoxes; clock?: () => Date }) {
  const clock = dependencies.clock ?? (() => new Date());
  const store = createJourneyStore(dependencies.db, dependencies.secrets);
  return {
    async load(interactionId: string): Promise<Journey> {
      const row = await store.find(interactionId, clock().toISOString());
      const saved = row ? (JSON.parse(row.state) as unknown) : undefined;
      return isJourney(saved) ? saved : startJourney({ name: 'started' });
    },
    async save(interactionId: string, journey: Journey): Promise<void> {
      const now = clock();
      await store.save({
        id: interactionId,
        state: JSON.stringify(journey),
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + JOURNEY_MINUTES * 60_000).toISOString(),
      });
    },
    /**
     * Takes the passkey challenge out of the journey's state, once: of two requests answering
     * the same challenge, only the first gets true.
     */
    async consumePasskeyChallenge(interactionId: string, challenge: string): Promise<boolean> {
      const now = clock();
      const row = await store.find(interactionId, now.toISOString());
      const saved = row ? (JSON.parse(row.state) as unknown) : undefined;
      if (!row || !isJourney(saved) || !('passkeyChallenge' in saved.state) || saved.state.passkeyChallenge !== challenge) return false;
      const consumed: Journey = { id: saved.id, state: { ...saved.state, passkeyChallenge: undefined } };
      return store.replaceIf(
        { id: interactionId, state: JSON.stringify(consumed), created_at: row.created_at, expires_at: new Date(now.getTime() + JOURNEY_MINUTES * 60_000).toISOString() },
        row,
      );
    },
    /**
     * Ends the journey once the person is signed in. What is left is only that it finished, for
     * as long as a journey is kept: going back to one of its pages says so in words rather than
     * "timed out" (its interaction is gone, so nothing more can be done in it).
     */
    async end(interactionId: string): Promise<void> {
      const now = clock();
      await store.save({
        id: interactionId,
        state: JSON.stringify({ finished: true }),
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + JOURNEY_MINUTES * 60_000).toISOString(),
      });
    },
    /** Whether the journey of this interaction ended with the person signed in (see end). */
    async hasFinished(interactionId: string): Promise<boolean> {
      const row = await store.find(interactionId, clock().toISOString());
      try {
        return row ? (JSON.parse(row.state) as { finished?: unknown }).finished === true : false;
      } catch {
        return false;
      }
    },
  };
}

export type Journeys = ReturnType<typeof createJourneys>;
