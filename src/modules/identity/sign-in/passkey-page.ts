import type { FastifyReply } from 'fastify';
import type { SecurityMethodKind } from '../accounts/account.store.ts';
import { securityCodeLinks } from './security-code-ways.ts';
import { SHARED_VIEWS, type PageTools } from './sign-in-page.ts';

/** Both passkey ceremonies' page: creating one for a new account, or signing in with one. */
export function renderPasskeyPage(
  step: PageTools,
  input: { ceremony: 'create' | 'get'; options: unknown; fieldError?: string; kinds?: SecurityMethodKind[] },
): FastifyReply {
  const { t, href } = step;
  const create = input.ceremony === 'create';
  return step.render(`${SHARED_VIEWS}/passkey.njk`, {
    pageTitle: t(create ? 'identity.passkey.createTitle' : 'identity.passkey.useTitle'),
    paragraphs: [t(create ? 'identity.passkey.createExplain' : 'identity.passkey.useExplain'), t('identity.passkey.needsJavaScript')],
    button: t(create ? 'identity.passkey.createButton' : 'identity.passkey.useButton'),
    ceremony: input.ceremony,
    // Kept out of the HTML parser's reach: no "<" can close the script element early.
    optionsJson: JSON.stringify(input.options).replaceAll('<', '\\u003c'),
    errors: input.fieldError ? [{ text: input.fieldError, href: '#passkey-button' }] : [],
    links: create
      ? [{ href: href('/create/security-method'), text: t('identity.passkey.chooseAnother') }]
      : securityCodeLinks(step, { method: 'passkey', kinds: input.kinds ?? ['passkey'] }),
  });
}

/** The browser's WebAuthn response, as posted by the page's script. */
export function parsePasskeyResponse(raw: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(raw ?? '') as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A WebAuthn response (with its attestation) is larger than any typed answer. */
export const PASSKEY_FIELD_LENGTH = 16384;
