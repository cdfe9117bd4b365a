import { SYSTEM_TEMPLATES, sendSystemEmail, type NotifyPlatform } from '../../notify/notify.contract.ts';

type Notice = { to: readonly string[]; subject: [string, string]; body: [string, string]; link: string };

/**
 * Tells people of an access request through Notify's platform templates, in English and Welsh
 * (the marketplace does not know each person's language). The link is to the console's page.
 */
async function sendNotice(platform: NotifyPlatform, notice: Notice): Promise<void> {
  for (const to of new Set(notice.to)) {
    await sendSystemEmail(platform, {
      templateKey: SYSTEM_TEMPLATES.accountNoticeEmail,
      to,
      personalisation: { subject: `${notice.subject[0]} / ${notice.subject[1]}`, body: [notice.body[0], notice.link, '---', notice.body[1], notice.link].join('\n\n') },
      reference: 'marketplace-access-request',
    });
  }
}

export function sendRequestReceivedEmail(platform: NotifyPlatform, input: { to: readonly string[]; title: string; link: string }) {
  return sendNotice(platform, {
    to: input.to,
    link: input.link,
    subject: [`Access asked for: ${input.title}`, `Cais am fynediad: ${input.title}`],
    body: [
      `Another organisation has asked for access to ${input.title} through the Civitas data catalogue. Review it (approve, narrow or refuse) in the console:`,
      `Mae sefydliad arall wedi gofyn am fynediad at ${input.title} drwy gatalog data Civitas. Adolygwch y cais (cymeradwyo, cyfyngu neu wrthod) yn y consol:`,
    ],
  });
}

export function sendRequestDecidedEmail(platform: NotifyPlatform, input: { to: string; title: string; approved: boolean; reason?: string; link: string }) {
  const reason = input.reason ? ` Reason: ${input.reason}` : '';
  const rheswm = input.reason ? ` Rheswm: ${input.reason}` : '';
  return sendNotice(platform, {
    to: [input.to],
    link: input.link,
    subject: input.approved ? [`Access approved: ${input.title}`, `Mynediad wedi'i gymeradwyo: ${input.title}`] : [`Access refused: ${input.title}`, `Mynediad wedi'i wrthod: ${input.title}`],
    body: input.approved
      ? [`Your request for access to ${input.title} has been approved: the agreement is in force and your subsystem may call the service.`, `Mae eich cais am fynediad at ${input.title} wedi'i gymeradwyo: mae'r cytundeb mewn grym a gall eich is-system alw'r gwasanaeth.`]
      : [`Your request for access to ${input.title} has been refused.${reason}`, `Mae eich cais am fynediad at ${input.title} wedi'i wrthod.${rheswm}`],
  });
}
