import type { FastifyReply } from 'fastify';
import { checkAuthenticatorCode } from '../accounts/authenticator-app.ts';
import { describeAuthenticatorAppPage } from '../accounts/authenticator-app-page.ts';
import { codeField, type PageTools } from './sign-in-page.ts';

type NewApp = { email: string; secret: string };

/** Shows the question that sets up an authenticator app with `secret`, for `email`. */
export async function renderAuthenticatorAppQuestion(step: PageTools, input: NewApp & { fieldError?: string }): Promise<FastifyReply> {
  const { t, dependencies } = step;
  const page = await describeAuthenticatorAppPage({ t, secret: input.secret, siteName: dependencies.siteName, email: input.email });
  return step.renderQuestion({ ...page, field: codeField(t, t('identity.authApp.label')), fieldError: input.fieldError });
}

/**
 * Checks the code typed from the app being set up: its time step when right (the app holds the
 * secret), or the question shown again with what is wrong.
 */
export async function checkNewAuthenticatorApp(step: PageTools, input: NewApp): Promise<{ timeStep: number } | { shown: FastifyReply }> {
  const { t } = step;
  const code = step.field('code').replaceAll(' ', '');
  const again = async (fieldError: string) => ({ shown: await renderAuthenticatorAppQuestion(step, { ...input, fieldError }) });
  if (!/^\d{6}$/.test(code)) return again(t(code ? 'identity.securityCode.format' : 'identity.securityCode.missing'));
  const timeStep = await checkAuthenticatorCode(input.secret, code);
  return timeStep === undefined ? again(t('identity.securityCode.wrong')) : { timeStep };
}
