/**
 * What other modules may use of One Login. Everything else in src/modules/identity is private.
 */
import type { Database } from '../../platform/db/database.ts';
import { ClientRegistrationError, createClientRegistry, readPublicKey, type ClientDescription, type NewClient } from './clients/clients.ts';

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
  /** Registers a service; `clientSecret` (for `client_secret_post`) is returned here and never again. Refusals throw ClientRegistrationError. */
  register(client: NewClient): Promise<{ clientId: string; clientSecret?: string }>;
  describe(clientId: string): Promise<ClientDescription | undefined>;
  setRedirectUris(clientId: string, uris: readonly string[]): Promise<void>;
  /** Throws ClientRegistrationError unless the text is a public key One Login would accept (PEM or JWK). */
  checkPublicKey(text: string): Promise<void>;
};

export function createServiceClients(db: Database): ServiceClients {
  const registry = createClientRegistry({ db });
  return {
    register: (client) => registry.add(client),
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
