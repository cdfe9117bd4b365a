import { createAccountAndSignIn, NO_METHOD_FIELDS } from '../../new-account.ts';
import { PASSKEY_FIELD_LENGTH, parsePasskeyResponse, renderPasskeyPage } from '../../passkey-page.ts';
import { definePage } from '../../sign-in-page.ts';

/** Create an account with a passkey: each registration challenge is answered once. */
export const createPasskeyPage = definePage({
  path: '/create/passkey',
  states: ['create:password-chosen'],
  back: '/create/security-method',
  maxFieldLength: PASSKEY_FIELD_LENGTH,
  async get(step) {
    const { journey, dependencies } = step;
    const options = await dependencies.passkeys.registrationOptions({ email: journey.state.email, existing: [] });
    await step.update({ ...journey.state, passkeyChallenge: options.challenge });
    return renderPasskeyPage(step, { ceremony: 'create', options });
  },
  async post(step) {
    const { t, request, journey, dependencies } = step;
    const { email, passkeyChallenge } = journey.state;
    if (!passkeyChallenge) return step.reply.redirect(step.href('/create/passkey'), 303);
    if (!(await step.consumePasskeyChallenge(passkeyChallenge))) return step.reply.redirect(step.href('/create/passkey'), 303);
    const response = parsePasskeyResponse(request.body?.response);
    const passkey = response && (await dependencies.passkeys.verifyRegistration(response, passkeyChallenge));
    if (!passkey) {
      const options = await dependencies.passkeys.registrationOptions({ email, existing: [] });
      await step.update({ ...journey.state, passkeyChallenge: options.challenge });
      return renderPasskeyPage(step, { ceremony: 'create', options, fieldError: t('identity.passkey.failed') });
    }
    return createAccountAndSignIn(step, { ...NO_METHOD_FIELDS, kind: 'passkey', ...passkey });
  },
});
