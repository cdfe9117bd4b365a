import { checkNewPassword, hashPassword } from '../../../accounts/passwords.ts';
import { definePage } from '../../sign-in-page.ts';
import { newPasswordQuestion } from '../reset-password-new/reset-password-new.page.ts';

/** Create an account: the password, for the email address this journey proved. Kept hashed until the account exists. */
export const createPasswordPage = definePage({
  path: '/create/password',
  states: ['create:email-proved', 'create:password-chosen'],
  back: '/create/email',
  async get(step) {
    return step.renderQuestion(newPasswordQuestion(step.t));
  },
  async post(step) {
    const { t, request, journey } = step;
    const password = request.body?.password ?? '';
    const problem = checkNewPassword(password);
    if (problem) return step.renderQuestion(newPasswordQuestion(t, t(`identity.password.problem.${problem}`)));
    return step.moveTo({ name: 'create:password-chosen', email: journey.state.email, passwordHash: await hashPassword(password) });
  },
});
