import type { Locale } from '../../../platform/http/i18n.ts';
import { SYSTEM_TEMPLATES, sendSystemEmail, sendSystemSms, type NotifyPlatform } from '../../notify/notify.contract.ts';
import { CODE_LIFETIME_MINUTES } from '../codes/one-time-codes.ts';

/** The security emails, as GOV.UK One Login sends them: one for each change to how a person signs in. */
export type Notice =
  | 'accountCreated'
  | 'passwordChanged'
  | 'authAppReplaced'
  | 'emailChanged'
  | 'emailChangedToThis'
  | 'securityMethodAdded'
  | 'securityMethodRemoved'
  | 'phoneNumberChanged'
  | 'accountDeleted'
  | 'newDeviceSignIn';

const NOTICES: Record<Locale, Record<Notice, { subject: string; body: string }>> = {
  en: {
    accountCreated: {
      subject: 'You created a One Login',
      body: 'You created a One Login with this email address. You can use it to sign in to the services that accept One Login.\n\nIf this was not you, contact the organisation that runs this service straight away.',
    },
    passwordChanged: {
      subject: 'The password of your One Login was changed',
      body: 'The password you use to sign in to your One Login was changed.\n\nIf this was not you, reset your password from the sign-in page and sign out of all devices straight away, from your One Login account pages.',
    },
    emailChangedToThis: {
      subject: 'You now sign in to your One Login with this email address',
      body: 'The email address of your One Login was changed to this one. Use it to sign in from now on.\n\nIf this was not you, contact the organisation that runs this service straight away.',
    },
    securityMethodRemoved: {
      subject: 'You removed a way to get security codes',
      body: 'A way to get security codes was removed from your One Login.\n\nIf this was not you, change your password and sign out of all devices straight away, from your One Login account pages.',
    },
    accountDeleted: {
      subject: 'Your One Login was deleted',
      body: 'Your One Login was deleted, with the record of the services you used it for. You can no longer sign in with it.\n\nIf this was not you, contact the organisation that runs this service straight away.',
    },
    authAppReplaced: {
      subject: 'You set up a new authenticator app',
      body: 'You set up a new authenticator app for your One Login, after confirming your email address.\n\nIf this was not you, change your password and sign out of all devices straight away, from your One Login account pages.',
    },
    emailChanged: {
      subject: 'The email address of your One Login was changed',
      body: 'The email address you use to sign in to your One Login was changed. We will no longer send emails to this address.\n\nIf this was not you, contact the organisation that runs this service straight away.',
    },
    securityMethodAdded: {
      subject: 'You added a way to get security codes',
      body: 'A new way to get security codes was added to your One Login.\n\nIf this was not you, change your password and sign out of all devices straight away, from your One Login account pages.',
    },
    phoneNumberChanged: {
      subject: 'The mobile phone number of your One Login was changed',
      body: 'The mobile phone number you use to get security codes for your One Login was changed. We will send security codes by text message to the new number from now on.\n\nIf this was not you, change your password and sign out of all devices straight away, from your One Login account pages.',
    },
    newDeviceSignIn: {
      subject: 'Someone signed in to your One Login on a new device',
      body: 'Someone signed in to your One Login on a device or web browser that had not been used to sign in to it before. If this was you, you do not need to do anything.\n\nIf this was not you, change your password and sign out of all devices straight away, from your One Login account pages.\n\nYou get this email because you asked to be told about sign-ins on new devices. You can turn it off from your One Login account pages.',
    },
  },
  cy: {
    accountCreated: {
      subject: 'Rydych wedi creu One Login',
      body: "Rydych wedi creu One Login gyda'r cyfeiriad e-bost hwn. Gallwch ei ddefnyddio i fewngofnodi i'r gwasanaethau sy'n derbyn One Login.\n\nOs nad chi oedd hyn, cysylltwch â'r sefydliad sy'n rhedeg y gwasanaeth hwn ar unwaith.",
    },
    passwordChanged: {
      subject: 'Newidiwyd cyfrinair eich One Login',
      body: "Cafodd y cyfrinair rydych yn ei ddefnyddio i fewngofnodi i'ch One Login ei newid.\n\nOs nad chi oedd hyn, ailosodwch eich cyfrinair o'r dudalen mewngofnodi ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.",
    },
    emailChangedToThis: {
      subject: "Rydych bellach yn mewngofnodi i'ch One Login gyda'r cyfeiriad e-bost hwn",
      body: "Cafodd cyfeiriad e-bost eich One Login ei newid i'r un hwn. Defnyddiwch ef i fewngofnodi o hyn ymlaen.\n\nOs nad chi oedd hyn, cysylltwch â'r sefydliad sy'n rhedeg y gwasanaeth hwn ar unwaith.",
    },
    securityMethodRemoved: {
      subject: 'Rydych wedi dileu ffordd o gael codau diogelwch',
      body: "Cafodd ffordd o gael codau diogelwch ei dileu o'ch One Login.\n\nOs nad chi oedd hyn, newidiwch eich cyfrinair ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.",
    },
    accountDeleted: {
      subject: 'Cafodd eich One Login ei ddileu',
      body: "Cafodd eich One Login ei ddileu, ynghyd â'r cofnod o'r gwasanaethau y gwnaethoch ei ddefnyddio ar eu cyfer. Ni allwch fewngofnodi ag ef mwyach.\n\nOs nad chi oedd hyn, cysylltwch â'r sefydliad sy'n rhedeg y gwasanaeth hwn ar unwaith.",
    },
    authAppReplaced: {
      subject: 'Rydych wedi gosod ap dilysu newydd',
      body: "Rydych wedi gosod ap dilysu newydd ar gyfer eich One Login, ar ôl cadarnhau eich cyfeiriad e-bost.\n\nOs nad chi oedd hyn, newidiwch eich cyfrinair ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.",
    },
    emailChanged: {
      subject: "Newidiwyd cyfeiriad e-bost eich One Login",
      body: "Cafodd y cyfeiriad e-bost rydych yn ei ddefnyddio i fewngofnodi i'ch One Login ei newid. Ni fyddwn yn anfon e-byst i'r cyfeiriad hwn mwyach.\n\nOs nad chi oedd hyn, cysylltwch â'r sefydliad sy'n rhedeg y gwasanaeth hwn ar unwaith.",
    },
    securityMethodAdded: {
      subject: 'Rydych wedi ychwanegu ffordd o gael codau diogelwch',
      body: 'Cafodd ffordd newydd o gael codau diogelwch ei hychwanegu at eich One Login.\n\nOs nad chi oedd hyn, newidiwch eich cyfrinair ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.',
    },
    phoneNumberChanged: {
      subject: 'Newidiwyd rhif ffôn symudol eich One Login',
      body: "Cafodd y rhif ffôn symudol rydych yn ei ddefnyddio i gael codau diogelwch ar gyfer eich One Login ei newid. Byddwn yn anfon codau diogelwch mewn neges destun i'r rhif newydd o hyn ymlaen.\n\nOs nad chi oedd hyn, newidiwch eich cyfrinair ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.",
    },
    newDeviceSignIn: {
      subject: "Mae rhywun wedi mewngofnodi i'ch One Login ar ddyfais newydd",
      body: "Mae rhywun wedi mewngofnodi i'ch One Login ar ddyfais neu borwr gwe nad oedd wedi cael ei ddefnyddio i fewngofnodi iddo o'r blaen. Os mai chi oedd hyn, nid oes angen i chi wneud unrhyw beth.\n\nOs nad chi oedd hyn, newidiwch eich cyfrinair ac allgofnodwch o bob dyfais ar unwaith, o dudalennau eich cyfrif One Login.\n\nRydych yn cael yr e-bost hwn oherwydd i chi ofyn am gael gwybod am fewngofnodi ar ddyfeisiau newydd. Gallwch ei ddiffodd o dudalennau eich cyfrif One Login.",
    },
  },
};

/**
 * The email and text messages One Login sends people, through Notify's platform templates
 * (issue: One Login's messages are sent through Notify). Notify stores each one and delivers it
 * from a worker, with retries.
 */
export function createIdentityMessages(platform: NotifyPlatform) {
  const reference = 'one-login';
  return {
    async sendEmailCode(input: { to: string; code: string; locale: Locale }): Promise<void> {
      await sendSystemEmail(platform, {
        templateKey: input.locale === 'cy' ? SYSTEM_TEMPLATES.securityCodeEmailWelsh : SYSTEM_TEMPLATES.securityCodeEmail,
        to: input.to,
        personalisation: { code: input.code, minutes: CODE_LIFETIME_MINUTES },
        reference,
      });
    },

    async sendSmsCode(input: { to: string; code: string; locale: Locale }): Promise<void> {
      await sendSystemSms(platform, {
        templateKey: input.locale === 'cy' ? SYSTEM_TEMPLATES.securityCodeSmsWelsh : SYSTEM_TEMPLATES.securityCodeSms,
        to: input.to,
        personalisation: { code: input.code, minutes: CODE_LIFETIME_MINUTES },
        reference,
      });
    },

    /** Tells the person about a change to how they sign in, so they can act if it was not them. */
    async sendSecurityNotice(input: { to: string; locale: Locale; notice: Notice }): Promise<void> {
      const text = NOTICES[input.locale][input.notice];
      await sendSystemEmail(platform, {
        templateKey: SYSTEM_TEMPLATES.accountNoticeEmail,
        to: input.to,
        personalisation: { subject: text.subject, body: text.body },
        reference,
      });
    },
  };
}

export type IdentityMessages = ReturnType<typeof createIdentityMessages>;
