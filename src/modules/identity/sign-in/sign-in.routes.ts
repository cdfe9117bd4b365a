import type { FastifyInstance } from 'fastify';
import { createAuthAppPage } from './pages/create-auth-app/create-auth-app.page.ts';
import { createCheckEmailPage } from './pages/create-check-email/create-check-email.page.ts';
import { createCheckPhonePage } from './pages/create-check-phone/create-check-phone.page.ts';
import { createEmailPage } from './pages/create-email/create-email.page.ts';
import { createPasskeyPage } from './pages/create-passkey/create-passkey.page.ts';
import { createPasswordPage } from './pages/create-password/create-password.page.ts';
import { createPhonePage } from './pages/create-phone/create-phone.page.ts';
import { createSecurityMethodPage } from './pages/create-security-method/create-security-method.page.ts';
import { emailPage } from './pages/email/email.page.ts';
import { passkeyPage } from './pages/passkey/passkey.page.ts';
import { passwordCheckEmailPage } from './pages/password-check-email/password-check-email.page.ts';
import { passwordPage } from './pages/password/password.page.ts';
import { recoverAuthAppPage } from './pages/recover-auth-app/recover-auth-app.page.ts';
import { recoverCheckEmailPage } from './pages/recover-check-email/recover-check-email.page.ts';
import { recoverPage } from './pages/recover/recover.page.ts';
import { resetPasswordCheckEmailPage } from './pages/reset-password-check-email/reset-password-check-email.page.ts';
import { resetPasswordNewPage } from './pages/reset-password-new/reset-password-new.page.ts';
import { resetPasswordPage } from './pages/reset-password/reset-password.page.ts';
import { securityCodeMethodPage } from './pages/security-code-method/security-code-method.page.ts';
import { securityCodePage } from './pages/security-code/security-code.page.ts';
import { startPage } from './pages/start/start.page.ts';
import { textMessageSendAgainPage } from './pages/text-message-send-again/text-message-send-again.page.ts';
import { textMessagePage } from './pages/text-message/text-message.page.ts';
import { registerPage, type PageDefinition, type SignInDependencies } from './sign-in-page.ts';
import type { StateName } from './journey/journey.ts';

export type { SignInDependencies } from './sign-in-page.ts';

/**
 * The pages a person meets between a service's "Sign in" button and coming back signed in, in
 * the order a journey meets them. Each page names the journey states it accepts (see
 * journey/journey.ts for the machine).
 */
const SIGN_IN_PAGES: readonly PageDefinition<StateName>[] = [
  startPage,
  // Sign in
  emailPage,
  passwordPage,
  passwordCheckEmailPage,
  securityCodePage,
  textMessagePage,
  textMessageSendAgainPage,
  securityCodeMethodPage,
  passkeyPage,
  // Forgotten password
  resetPasswordPage,
  resetPasswordCheckEmailPage,
  resetPasswordNewPage,
  // Lost every way to get a security code
  recoverPage,
  recoverCheckEmailPage,
  recoverAuthAppPage,
  // Create an account
  createEmailPage,
  createCheckEmailPage,
  createPasswordPage,
  createSecurityMethodPage,
  createAuthAppPage,
  createPhonePage,
  createCheckPhonePage,
  createPasskeyPage,
] as readonly unknown[] as readonly PageDefinition<StateName>[];

export function registerSignInPages(app: FastifyInstance, dependencies: SignInDependencies): void {
  for (const page of SIGN_IN_PAGES) registerPage(app, dependencies, page);
}
