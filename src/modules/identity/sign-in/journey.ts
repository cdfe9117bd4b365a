import type { Database } from '../../../platform/db/database.ts';
import type { SecretBoxes } from '../../../platform/secrets/secret-box.ts';
import type { SecurityMethodKind } from '../accounts/account.store.ts';
import { createJourneyStore } from './journey.store.ts';

/** What a person has done so far in one sign-in or account creation, for one authorization request. */
export type Journey = {
  email?: string;
  /** Sign in: set once the password was right. */
  accountId?: string;
  /** Create an account: set once the emailed code was right. */
  emailVerified?: boolean;
  /** Create an account: the chosen password, hashed, until the account is created. */
  passwordHash?: string;
  /** Create an account or recover: the authenticator secret shown, until a code from the app proves it. */
  authAppSecret?: string;
  /** Forgotten password: set once a code sent to the email proved the person can read it. */
  passwordResetVerified?: boolean;
  /** Create an account: the mobile number a code was sent to, until the code proves it. */
  phoneNumber?: string;
  /** Sign in: the way to get a security code the person is using, if not the account's first; checked against the account on use. */
  securityMethod?: SecurityMethodKind;
  /** Sign in: the account and phone a code was texted to in this journey (showing the page again never texts another). */
  signInCodeTexted?: { accountId: string; phoneNumber: string };
  /** The WebAuthn challenge last sent to this browser, until it is answered. */
  passkeyChallenge?: string;
  /** Sign in: set once a code sent to the account's email proved the person can read it. */
  recoveryVerified?: boolean;
};

const JOURNEY_MINUTES = 60;

/** Journeys are keyed by the provider's interaction id; the provider's cookie binds it to the browser. */
export function createJourneys(dependencies: { db: Database; secrets: SecretBoxes; clock?: () => Date }) {
  const clock = dependencies.clock ?? (() => new Date());
  const store = createJourneyStore(dependencies.db, dependencies.secrets);
  return {
    async load(id: string): Promise<Journey> {
      const row = await store.find(id, clock().toISOString());
      return row ? (JSON.parse(row.state) as Journey) : {};
    },
    async save(id: string, journey: Journey): Promise<void> {
      const now = clock();
      await store.save({
        id,
        state: JSON.stringify(journey),
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + JOURNEY_MINUTES * 60_000).toISOString(),
      });
    },
    async end(id: string): Promise<void> {
      await store.remove(id);
    },
  };
}

export type Journeys = ReturnType<typeof createJourneys>;
