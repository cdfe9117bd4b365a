import { createAuthenticatorSecret } from '../../../accounts/authenticator-app.ts';
import { checkNewAuthenticatorApp, renderAuthenticatorAppQuestion } from '../../authenticator-app-question.ts';
import { createAccountAndSignIn, NO_METHOD_FIELDS } from '../../new-account.ts';
import { definePage } from '../../sign-in-page.ts';

/** Create an account with an authenticator app: the secret shown is proved by a code from the app. */
export const createAuthAppPage = definePage({
  path: '/create/auth-app',
  states: ['create:password-chosen'],
  back: '/create/security-method',
  async get(step) {
    const { journey } = step;
    const secret = journey.state.authAppSecret ?? createAuthenticatorSecret();
    if (!journey.state.authAppSecret) await step.update({ ...journey.state, authAppSecret: secret });
    return renderAuthenticatorAppQuestion(step, { email: journey.state.email, secret });
  },
  async post(step) {
    const { email, authAppSecret } = step.journey.state;
    if (!authAppSecret) return step.reply.redirect(step.href('/create/auth-app'), 303);
    const checked = await checkNewAuthenticatorApp(step, { email, secret: authAppSecret });
    if ('shown' in checked) return checked.shown;
    return createAccountAndSignIn(step, { ...NO_METHOD_FIELDS, kind: 'auth-app', totp_secret: authAppSecret, totp_last_step: checked.timeStep });
  },
});
