import type { TemplateRow, TemplateVersionRow } from '../templates/template.store.ts';
import { listPlaceholders } from '../templates/placeholders.ts';
import { listAddressLines, normalisePostcode } from '../templates/recipients.ts';
import type { NotificationRow, NotificationStatus, ReceivedTextRow } from './notification.store.ts';

/** Notify's timestamps: `2026-01-31T09:30:00.123000Z` (microseconds). */
export function formatNotifyDate(iso: string | null): string | null {
  if (iso === null) return null;
  return iso.replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Letters show `accepted` until printed and `received` once the print provider has them. */
export function describeStatus(notification: Pick<NotificationRow, 'type' | 'status'>): string {
  if (notification.type !== 'letter') return notification.status;
  if (notification.status === 'created' || notification.status === 'sending') return 'accepted';
  if (notification.status === 'delivered') return 'received';
  return notification.status;
}

/** The statuses a `status` filter matches, in a caller's words. */
export function expandStatusFilter(status: string): NotificationStatus[] {
  switch (status) {
    case 'failed':
      return ['technical-failure', 'temporary-failure', 'permanent-failure', 'validation-failed'];
    case 'accepted':
      return ['created', 'sending'];
    case 'received':
      return ['delivered'];
    case 'returned-letter':
      return [];
    default:
      return [status as NotificationStatus];
  }
}

export const STATUS_FILTERS = [
  'cancelled', 'created', 'sending', 'sent', 'delivered', 'pending', 'failed', 'technical-failure',
  'temporary-failure', 'permanent-failure', 'pending-virus-check', 'validation-failed', 'virus-scan-failed',
  'returned-letter', 'accepted', 'received',
] as const;

export function templateUri(baseUrl: string, serviceId: string, templateId: string | null): string | null {
  return templateId ? `${baseUrl}/services/${serviceId}/templates/${templateId}` : null;
}

function addressFields(notification: NotificationRow): Record<string, string | null> {
  const fields: Record<string, string | null> = {
    line_1: null, line_2: null, line_3: null, line_4: null, line_5: null, line_6: null, postcode: null,
  };
  if (notification.type !== 'letter' || notification.precompiled) return fields;
  const personalisation = JSON.parse(notification.personalisation) as Record<string, unknown>;
  const lines = listAddressLines(personalisation);
  // The last line is the postcode, shown as Royal Mail writes it; the lines before it are 1 to 6.
  const last = lines.at(-1);
  fields.postcode = last === undefined ? null : (normalisePostcode(last) ?? last);
  lines.slice(0, -1).slice(0, 6).forEach((line, index) => (fields[`line_${index + 1}`] = line));
  return fields;
}

/** `GET /v2/notifications/{id}` as Notify answers it. */
export function serialiseNotification(notification: NotificationRow, baseUrl: string): Record<string, unknown> {
  const isLetter = notification.type === 'letter';
  const costDetails = notification.type === 'sms'
    ? { billable_sms_fragments: notification.billable_units, international_rate_multiplier: 1, sms_rate: 0 }
    : isLetter ? { billable_sheets_of_paper: Math.max(1, notification.billable_units), postage: notification.postage } : {};
  return {
    id: notification.id,
    reference: notification.reference,
    email_address: notification.type === 'email' ? notification.recipient : null,
    phone_number: notification.type === 'sms' ? notification.recipient : null,
    ...addressFields(notification),
    type: notification.type,
    status: describeStatus(notification),
    template: {
      version: notification.template_version,
      id: notification.template_id,
      uri: templateUri(baseUrl, notification.service_id, notification.template_id),
    },
    body: notification.body,
    subject: notification.subject,
    created_at: formatNotifyDate(notification.created_at),
    created_by_name: notification.created_by_name,
    sent_at: formatNotifyDate(notification.sent_at),
    completed_at: formatNotifyDate(notification.completed_at),
    scheduled_for: null,
    postage: notification.postage,
    one_click_unsubscribe_url: notification.one_click_unsubscribe_url,
    is_cost_data_ready: true,
    cost_in_pounds: 0,
    cost_details: costDetails,
    ...(isLetter ? { estimated_delivery: formatNotifyDate(estimateLetterDelivery(notification)) } : {}),
  };
}

function estimateLetterDelivery(notification: NotificationRow): string {
  const days = notification.postage === 'first' ? 1 : notification.postage === 'economy' ? 8 : 2;
  const date = new Date(notification.created_at);
  date.setUTCDate(date.getUTCDate() + days + 1);
  date.setUTCHours(16, 0, 0, 0);
  return date.toISOString();
}

type TemplateLike = Pick<TemplateRow, 'id' | 'type' | 'name' | 'version' | 'subject' | 'body' | 'postage' | 'letter_contact_block' | 'created_at' | 'created_by'> & {
  updated_at: string | null;
};

/** `GET /v2/template/{id}` (and each of `GET /v2/templates`) as Notify answers it. */
export function serialiseTemplate(template: TemplateLike): Record<string, unknown> {
  return {
    id: template.id,
    name: template.name,
    type: template.type,
    created_at: formatNotifyDate(template.created_at),
    updated_at: formatNotifyDate(template.updated_at),
    created_by: template.created_by,
    version: template.version,
    body: template.body,
    subject: template.type === 'sms' ? null : template.subject,
    letter_contact_block: template.type === 'letter' ? template.letter_contact_block : null,
    postage: template.type === 'letter' ? template.postage : null,
    personalisation: Object.fromEntries(
      listPlaceholders(template.subject, template.body, template.letter_contact_block).map((name) => [name, { required: true }]),
    ),
  };
}

export function templateOfVersion(template: TemplateRow, version: TemplateVersionRow): TemplateLike {
  return {
    ...version,
    id: template.id,
    // The first version's creation is the template's; a later one was made when it was saved.
    created_at: template.created_at,
    updated_at: version.version === 1 ? null : version.created_at,
  };
}

export function serialiseReceivedText(text: ReceivedTextRow): Record<string, unknown> {
  return {
    id: text.id,
    user_number: text.user_number,
    notify_number: text.notify_number,
    created_at: formatNotifyDate(text.created_at),
    service_id: text.service_id,
    content: text.content,
  };
}

/** The address every email is sent from (MAIL_FROM, without its display name). */
export function fromEmailAddress(mailFrom: string): string {
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  return address.trim();
}
