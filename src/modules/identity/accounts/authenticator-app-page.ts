import type { Translate } from '../../../platform/http/i18n.ts';
import { describeAuthenticatorSecret } from './authenticator-app.ts';

/**
 * The page that sets up an authenticator app: the QR code to scan, and the same secret as text
 * for people who cannot scan it. Returns the question page's context, less its input field.
 */
export async function describeAuthenticatorAppPage(input: { t: Translate; secret: string; siteName: string; email: string }) {
  const { t, secret } = input;
  const uri = describeAuthenticatorSecret({ secret, issuer: input.siteName, email: input.email });
  // Loaded on first use: only people setting up an app need it.
  const { default: QRCode } = await import('qrcode');
  const qrCode = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return {
    pageTitle: t('identity.authApp.title'),
    intro: [t('identity.authApp.install'), t('identity.authApp.scan')],
    content:
      `<div class="govuk-!-margin-bottom-6" role="img" aria-label="${t('identity.authApp.qrLabel')}">${qrCode.replace('<svg ', '<svg width="180" height="180" aria-hidden="true" ')}</div>` +
      `<p class="govuk-body">${t('identity.authApp.cannotScan')}</p>` +
      `<p class="govuk-body govuk-!-font-weight-bold" id="secret-key">${secret.match(/.{1,4}/g)?.join(' ')}</p>`,
  };
}
