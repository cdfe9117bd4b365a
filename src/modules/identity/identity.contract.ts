/**
 * What other modules may use of One Login. Everything else in src/modules/identity is private.
 */
import type { Database, Executor } from '../../platform/db/database.ts';
import type { SecretBoxes } from '../../platform/secrets/secret-box.ts';
import { ClientRegistrationError, createClientRegistry, readPublicKey, type ClientDescription, type NewClient } from './clients/clients.ts';
import type { InternalRelyingParty } from './clients/internal-clients.ts';
import { findMethodsOfInternalSubject, type SecurityMethodStanding } from './clients/internal-subject-methods.ts';
import { createSigningKeyStore } from './signing-keys/signing-key.store.ts';
import { createSigningKeys } from './signing-keys/signing-keys.ts';

export type { NewClient } from './clients/clients.ts';
export {
  createInternalRelyingParty,
  createInternalSignIn,
  registerBackchannelLogout,
  type InternalSignIn,
  type SignedInPerson,
  type InternalClientSpec,
  type InternalRelyingParty,
} from './clients/internal-clients.ts';

export { ClientRegistrationError, type ClientDescription };

/**
 * What a service team may do with its own One Login clients (the console's onboarding pages):
 * the same registry, and so the same checks, as `civitas identity client add`. Which team owns
 * which client is the caller's to record; this knows clients only by id.
 */
export type ServiceClients = {
  /**
   * Registers a service; `clientSecret` (for `client_secret_post`) is returned here and never
   * again. Refusals throw ClientRegistrationError. In `transaction` when given: the client is kept
   * only if the caller's change is.
   */
  register(client: NewClient, transaction?: Executor): Promise<{ clientId: string; clientSecret?: string }>;
  describe(clientId: string): Promise<ClientDescription | undefined>;
  setRedirectUris(clientId: string, uris: readonly string[]): Promise<void>;
  /** Throws ClientRegistrationError unless the text is a public key One Login would accept (PEM or JWK). */
  checkPublicKey(text: string): Promise<void>;
};

export function createServiceClients(db: Database): ServiceClients {
  const registry = createClientRegistry({ db });
  return {
    register: (client, transaction) => registry.add(client, transaction),
    describe: (clientId) => registry.describe(clientId),
    setRedirectUris: (clientId, uris) => registry.setRedirectUris(clientId, uris),
    async checkPublicKey(text) {
      try {
        await readPublicKey(text);
      } catch (error) {
        if (error instanceof SyntaxError) throw new ClientRegistrationError('the key is not valid JSON');
        throw error;
      }
    },
  };
}

/** A way of proving who one is beyond the password: a passkey, an authenticator app, or codes by text message. */
export type SecurityMethodKind = 'passkey' | 'auth-app' | 'sms';

export { METHOD_SETTLING_DAYS, type SecurityMethodStanding } from './clients/internal-subject-methods.ts';

/**
 * The security methods on the One Login account of a person an internal service (such as the
 * console) signed in, each with whether it is settled (came with the account, or was added at
 * least a week ago): known by the `sub` and email address it was given. Undefined when they name
 * no account any more (deleted, or the email address moved to another account).
 */
export function findSecurityMethodsOf(
  db: Database,
  input: { relyingParty: InternalRelyingParty; subject: string; email: string },
): Promise<SecurityMethodStanding[] | undefined> {
  return findMethodsOfInternalSubject(db, { service: input.relyingParty.spec, subject: input.subject, email: input.email });
}

export type SigningKeySummary = { kid: string; alg: string; state: 'next' | 'current' | 'retired'; createdAt: string; updatedAt: string };
export type SigningKeyRotation = { retired: string[]; current: string[]; next: string[] };

/**
 * One Login's token-signing keys, for operators: which are published and in which state (never
 * the keys themselves), and rotation, as `civitas identity rotate-keys` does. Every process
 * picks a rotation up within its key-refresh interval (30 seconds). The caller records who rotated.
 */
export function createSigningKeyAdmin(dependencies: { db: Database; secrets: SecretBoxes }) {
  return {
    async list(): Promise<SigningKeySummary[]> {
      const rows = await createSigningKeyStore(dependencies.db).list();
      return rows.map((row) => ({ kid: row.kid, alg: row.alg, state: row.state, createdAt: row.created_at, updatedAt: row.updated_at }));
    },
    rotate: (): Promise<SigningKeyRotation> => createSigningKeys(dependencies).rotate(),
  };
}

export type SigningKeyAdmin = ReturnType<typeof createSigningKeyAdmin>;
