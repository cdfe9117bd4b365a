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

const NOTICES: Record<Locale, Record<'authAppReplaced', { subject: string; body: string }>> = {
  en: {
    authAppReplaced: {
      subject: 'You set up a new authenticator app',
      body: 'You set up a new authenticator app for your One Login, after confirming your email address.\n\nIf this was not you, change your password and sign out of all devices straight away, from your One Login account pages.',
    },
  },
  cy: {
    authAppReplaced: {
      subject: 'Rydych wedi gosod ap dilysu newydd',
      body: "Rydych wedi gosod ap dilysu newydd ar gyfer eich One Login, ar ôl cadarnhau eich cyfeiriad e-bost.\n\nOs nad chi oedd hyn, newidiwch eich cyfrinair ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.",
    },
  },
};

/** The email and text messages One Login sends people. */
export function createIdentityMessages(dependencies: { mail: MailTransport }) {
  return {
    async sendEmailCode(input: { to: string; code: string; locale: Locale }): Promise<void> {
      const text = EMAIL_CODE_TEXT[input.locale];
      await dependencies.mail.send({ to: input.to, subject: text.subject, text: text.body(input.code) });
    },
    /** Tells the person about a change to how they sign in, so they can act if it was not them. */
    async sendSecurityNotice(input: { to: string; locale: Locale; notice: 'authAppReplaced' }): Promise<void> {
      const text = NOTICES[input.locale][input.notice];
      await dependencies.mail.send({ to: input.to, subject: text.subject, text: text.body });
    },
  };
}

export type IdentityMessages = ReturnType<typeof createIdentityMessages>;
