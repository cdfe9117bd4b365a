/**
 * What other modules may use of One Login. Everything else in src/modules/identity is private.
 */
export type { NewClient } from './clients/clients.ts';
export {
  createInternalRelyingParty,
  createInternalSignIn,
  type InternalSignIn,
  type SignedInPerson,
  type InternalClientSpec,
  type InternalRelyingParty,
} from './clients/internal-clients.ts';
