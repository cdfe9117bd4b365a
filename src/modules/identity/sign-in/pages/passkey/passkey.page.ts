import { THROTTLE_RULES } from '../../../security/throttle.ts';
import { PASSKEY_FIELD_LENGTH, parsePasskeyResponse, renderPasskeyPage } from '../../passkey-page.ts';
import { signInMethodsOf } from '../../security-code-ways.ts';
import { definePage, minutesUntil } from '../../sign-in-page.ts';

/**
 * Sign in with a passkey of the account whose password this journey proved. Each challenge is
 * answered once: any answer, right or wrong, ends it, and the page offers a new one.
 */
export const passkeyPage = definePage({
  path: '/passkey',
  states: ['sign-in:password-proved'],
  back: (state) => (state.method ? '/security-code-method' : '/email'),
  maxFieldLength: PASSKEY_FIELD_LENGTH,
  async get(step) {
    const { journey, dependencies } = step;
    const methods = await dependencies.accounts.listMethods(journey.state.accountId);
    const stored = methods.filter((method) => method.kind === 'passkey');
    if (stored.length === 0) return step.reply.redirect(step.href('/security-code'), 303);
    const options = await dependencies.passkeys.authenticationOptions(stored);
    await step.update({ ...journey.state, method: 'passkey', passkeyChallenge: options.challenge });
    return renderPasskeyPage(step, { ceremony: 'get', options, kinds: signInMethodsOf(methods).kinds });
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const { throttle, passkeys, accounts, clock } = dependencies;
    const { accountId, passkeyChallenge } = journey.state;
    if (!passkeyChallenge) return step.reply.redirect(step.href('/passkey'), 303);
    const key = `security-code:${accountId}`;
    const methods = await accounts.listMethods(accountId);
    const stored = methods.filter((method) => method.kind === 'passkey');
    const retry = async (fieldError: string) => {
      const options = await passkeys.authenticationOptions(stored);
      await step.update({ ...journey.state, passkeyChallenge: options.challenge });
      return renderPasskeyPage(step, { ceremony: 'get', options, fieldError, kinds: signInMethodsOf(methods).kinds });
    };
    if (!(await step.consumePasskeyChallenge(passkeyChallenge))) return step.reply.redirect(step.href('/passkey'), 303);
    const attempt = await throttle.attempt(key, THROTTLE_RULES.securityCode);
    if (!attempt.allowed) return retry(t('identity.securityCode.locked', { minutes: minutesUntil(attempt.until, clock()) }));
    const response = parsePasskeyResponse(request.body?.response);
    const verified = response && (await passkeys.verifyAuthentication(response, passkeyChallenge, stored));
    if (!verified) return retry(t('identity.passkey.failed'));
    const method = stored.find((candidate) => candidate.credential_id === verified.credentialId);
    if (method) await accounts.recordPasskeyUse(method.id, verified.newCounter);
    await throttle.clear(key);
    await accounts.provedSecondFactor(accountId, journey.state.passwordProvedAt);
    return step.finish(accountId, 'Cl.Cm', 'passkey');
  },
});
