/**
 * What other modules' tests may use of One Login's test kit: a real One Login on a real port,
 * accounts with an authenticator app, a browser-like form client, and the messages One Login's
 * journeys send. For tests only; production code never imports it.
 */
export { createFormClient, errorSummary, pageHeading, type FormClient, type FormPage } from './form-client.ts';
export { createTestAccount, openSigningIn, readLatestMessage, startIdentityServer, type TestAccount } from './identity-test-kit.ts';
