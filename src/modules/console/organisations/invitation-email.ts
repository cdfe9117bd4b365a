import { SYSTEM_TEMPLATES, sendSystemEmail, type NotifyPlatform } from '../../notify/notify.contract.ts';

/**
 * The invitation to join an organisation on the console, sent as One Login's security emails
 * are: through Notify's platform templates (stored, then delivered by a worker). In English and
 * Welsh, since the console does not know the invited person's language.
 */
export async function sendInvitationEmail(
  platform: NotifyPlatform,
  input: { to: string; organisationName: string; link: string },
): Promise<void> {
  const { organisationName, link } = input;
  await sendSystemEmail(platform, {
    templateKey: SYSTEM_TEMPLATES.accountNoticeEmail,
    to: input.to,
    personalisation: {
      subject: `Join ${organisationName} on the Civitas console / Ymuno â ${organisationName} ar gonsol Civitas`,
      body: [
        `You have been invited to join ${organisationName} on the Civitas console, where your organisation manages its services.`,
        `Use this link to sign in with your One Login (or create one with this email address) and join:`,
        link,
        'The link works once and expires in 72 hours. If you were not expecting this invitation, you can ignore this email.',
        '---',
        `Rydych wedi cael gwahoddiad i ymuno â ${organisationName} ar gonsol Civitas, lle mae eich sefydliad yn rheoli ei wasanaethau.`,
        "Defnyddiwch y ddolen hon i fewngofnodi gyda'ch One Login (neu i greu un gyda'r cyfeiriad e-bost hwn) ac ymuno:",
        link,
        "Mae'r ddolen yn gweithio unwaith ac yn dod i ben ymhen 72 awr. Os nad oeddech yn disgwyl y gwahoddiad hwn, gallwch anwybyddu'r e-bost hwn.",
      ].join('\n\n'),
    },
    reference: 'console-invitation',
  });
}
