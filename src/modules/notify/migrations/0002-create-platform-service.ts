import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * The built-in "platform" service through which other modules (One Login first) send their
 * messages without an API key, with the templates they send. Its team can reword the templates
 * on the service-team pages; the keys (`system_key`) never change.
 */
const TEMPLATES = [
  {
    key: 'identity.security-code.email',
    type: 'email',
    name: 'One Login: security code by email',
    subject: 'Your security code is ((code))',
    body:
      'Your security code is:\n\n^ ((code))\n\nThe code expires in ((minutes)) minutes.\n\n' +
      'If you did not ask for this code, you do not need to do anything. Someone may have typed your email address by mistake.',
  },
  {
    key: 'identity.security-code.sms',
    type: 'sms',
    name: 'One Login: security code by text message',
    subject: null,
    body: '((code)) is your security code. It expires in ((minutes)) minutes. Do not share it with anyone.',
  },
  {
    key: 'identity.security-code.email.cy',
    type: 'email',
    name: 'One Login: cod diogelwch drwy e-bost (Cymraeg)',
    subject: 'Eich cod diogelwch yw ((code))',
    body:
      'Eich cod diogelwch yw:\n\n^ ((code))\n\nBydd y cod yn dod i ben mewn ((minutes)) munud.\n\n' +
      "Os na wnaethoch ofyn am y cod hwn, nid oes angen i chi wneud dim. Efallai bod rhywun wedi teipio eich cyfeiriad e-bost drwy gamgymeriad.",
  },
  {
    key: 'identity.security-code.sms.cy',
    type: 'sms',
    name: 'One Login: cod diogelwch drwy neges destun (Cymraeg)',
    subject: null,
    body: "((code)) yw eich cod diogelwch. Bydd yn dod i ben mewn ((minutes)) munud. Peidiwch â'i rannu gydag unrhyw un.",
  },
  {
    key: 'identity.notice.email',
    type: 'email',
    name: 'One Login: account notice',
    subject: '((subject))',
    body: '((body))',
  },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const now = new Date().toISOString();
  const serviceId = randomUUID();
  await db
    .insertInto('notify_service')
    .values({
      id: serviceId,
      name: 'Civitas platform',
      active: 1,
      system_key: 'platform',
      rate_limit: 3000,
      email_daily_limit: 250000,
      sms_daily_limit: 250000,
      letter_daily_limit: 20000,
      retention_days: 7,
      can_send_international_sms: 1,
      sms_sender: 'Civitas',
      delivery_callback_url: null,
      delivery_callback_token: null,
      inbound_callback_url: null,
      inbound_callback_token: null,
      inbound_number: null,
      created_at: now,
    })
    .execute();
  for (const template of TEMPLATES) {
    const id = randomUUID();
    const content = {
      type: template.type,
      name: template.name,
      subject: template.subject,
      body: template.body,
      postage: null,
      letter_contact_block: null,
      created_by: 'system',
      created_at: now,
    };
    await db
      .insertInto('notify_template')
      .values({ id, service_id: serviceId, system_key: template.key, version: 1, archived: 0, updated_at: null, ...content })
      .execute();
    await db.insertInto('notify_template_version').values({ template_id: id, version: 1, ...content }).execute();
  }
}
