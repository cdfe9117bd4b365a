/**
 * For other modules' tests (the marketplace's publishing and access request pages): two approved
 * Exchange members with a provider's service and a client subsystem, and a call signed as a
 * client subsystem would sign it.
 */
export { setUpProviderAndClient } from './testing/exchange-fixtures.ts';
export { sendSignedCall, startTestProvider } from './testing/signed-calls.ts';
