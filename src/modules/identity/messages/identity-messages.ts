import type { Locale } from '../../../platform/http/i18n.ts';
import type { MailTransport } from '../../../platform/mail/mail-transport.ts';
import { CODE_LIFETIME_MINUTES } from '../codes/one-time-codes.ts';

const EMAIL_CODE_TEXT: Record<Locale, { subject: string; body: (code: string) => string }> = {
  en: {
    subject: 'Your security code',
    body: (code) =>
      `Your security code is ${code}\n\nIt expires in ${CODE_LIFETIME_MINUTES} minutes.\n\nIf you did not ask for this code, you can ignore this email. Never share this code with anyone.`,
  },
  cy: {
    subject: 'Eich cod diogelwch',
    body: (code) =>
      `Eich cod diogelwch yw ${code}\n\nBydd yn dod i ben mewn ${CODE_LIFETIME_MINUTES} munud.\n\nOs na wnaethoch ofyn am y cod hwn, gallwch anwybyddu'r e-bost hwn. Peidiwch byth â rhannu'r cod hwn gydag unrhyw un.`,
  },
};

/** The email and text messages One Login sends people. */
export function createIdentityMessages(dependencies: { mail: MailTransport }) {
  return {
    async sendEmailCode(input: { to: string; code: string; locale: Locale }): Promise<void> {
      const text = EMAIL_CODE_TEXT[input.locale];
      await dependencies.mail.send({ to: input.to, subject: text.subject, text: text.body(input.code) });
    },
  };
}

export type IdentityMessages = ReturnType<typeof createIdentityMessages>;
