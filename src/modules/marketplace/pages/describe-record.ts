import markdownIt from 'markdown-it';
import type { Translate } from '../../../platform/http/i18n.ts';
import type { CatalogueEntry, RelatedRecords } from '../catalogue/catalogue-entries.ts';
import { recordPath, type CatalogueBase } from './record-address.ts';

/** A row of the record's summary list: text, or a link, or a list of either; already in the page's language. */
export type SummaryRow = { key: { text: string }; value: { text?: string; html?: string } };

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);
const isWebAddress = (value: string) => /^https?:\/\//i.test(value) && URL.canParse(value);
/** A host written in other scripts (a Cyrillic "е" for "e") is shown and linked as its punycode, the host the browser goes to. */
const addressShown = (value: string) => (/^[\x21-\x7e]*$/.test(value) ? value : new URL(value).href);
const linkOrText = (value: string) =>
  isWebAddress(value) ? `<a class="govuk-link" href="${escapeHtml(addressShown(value))}">${escapeHtml(addressShown(value))}</a>` : escapeHtml(value);
const listOf = (items: readonly string[]) =>
  items.length === 1 ? items[0]! : `<ul class="govuk-list">${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

const markdown = markdownIt('zero', { html: false, linkify: false, typographer: false }).enable(['heading', 'list', 'link', 'emphasis', 'escape', 'entity', 'newline']);
markdown.validateLink = (url) => /^(https?:\/\/|mailto:)/i.test(url.trim());
markdown.renderer.rules.paragraph_open = (tokens, index) => (tokens[index]!.hidden ? '' : '<p class="govuk-body">');
// The record's title is the page's h1 and "Description" its h2: the author's headings sit below.
markdown.renderer.rules.heading_open = () => '<h3 class="govuk-heading-s">';
markdown.renderer.rules.heading_close = () => '</h3>\n';
markdown.renderer.rules.bullet_list_open = () => '<ul class="govuk-list govuk-list--bullet">\n';
markdown.renderer.rules.ordered_list_open = () => '<ol class="govuk-list govuk-list--number">\n';
markdown.renderer.rules.link_open = (tokens, index, options, _env, self) => {
  tokens[index]!.attrs = (tokens[index]!.attrs ?? []).filter(([name]) => name === 'href');
  tokens[index]!.attrJoin('class', 'govuk-link');
  return self.renderToken(tokens, index, options);
};

/** The description as GOV.UK Frontend HTML: the model's descriptions are markdown; raw HTML stays text. */
export function renderDescription(text: string): string {
  return markdown.render(text);
}

function formatBytes(bytes: number, t: Translate): string {
  const units = ['bytes', 'kb', 'mb', 'gb', 'tb'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return t(`marketplace.record.size.${units[unit]}`, { size: unit === 0 ? String(value) : value.toFixed(1).replace(/\.0$/, '') });
}

/**
 * The record's slots in plain language, in the order a reader needs them, leaving out what it
 * does not have. Enumerations are words, links are links (web addresses only).
 */
export function describeRecord(entry: CatalogueEntry, input: { t: Translate; formatDate: (value: string) => string }): SummaryRow[] {
  const { t, formatDate } = input;
  const { record } = entry;
  const rows: SummaryRow[] = [];
  const add = (slot: string, value: { text?: string; html?: string } | undefined) => {
    if (value) rows.push({ key: { text: t(`marketplace.slots.${slot}`) }, value });
  };
  const text = (value: unknown) => (value === undefined ? undefined : { text: String(value) });
  const enumWords = (slot: string, value: unknown) => (value === undefined ? undefined : { text: t(`marketplace.values.${slot}.${String(value)}`) });
  const links = (value: unknown) => (asList(value).length === 0 ? undefined : { html: listOf(asList(value).map(linkOrText)) });
  const date = (value: unknown) => (value === undefined ? undefined : { text: formatDate(String(value)) });

  add('type', { text: t(`marketplace.types.${record.type.slice('dcat:'.length)}`) });
  add('alternativeTitle', asList(record.alternativeTitle).length ? { html: listOf(asList(record.alternativeTitle).map(escapeHtml)) } : undefined);
  add('accessRights', enumWords('accessRights', record.accessRights));
  add('securityClassification', enumWords('securityClassification', record.securityClassification));
  add('publisher', text(record.publisher));
  add('creator', asList(record.creator).length ? { html: listOf(asList(record.creator).map(escapeHtml)) } : undefined);
  add('serviceType', enumWords('serviceType', record.serviceType));
  add('serviceStatus', enumWords('serviceStatus', record.serviceStatus));
  add('endpointURL', links(record.endpointURL));
  add('endpointDescription', links(record.endpointDescription));
  add('mediaType', text(record.mediaType));
  add('downloadURL', links(record.downloadURL));
  add('byteSize', typeof record.byteSize === 'number' ? { text: formatBytes(record.byteSize, t) } : undefined);
  add('updateFrequency', record.updateFrequency === undefined ? undefined : { text: t(`marketplace.values.updateFrequency.${String(record.updateFrequency).slice('freq:'.length)}`) });
  add('modified', date(record.modified));
  add('issued', date(record.issued));
  add('created', date(record.created));
  add('version', text(record.version));
  add('licence', record.licence === 'DATA_SHARE_AGREEMENT' ? { text: t('marketplace.values.licence.DATA_SHARE_AGREEMENT') } : links(record.licence));
  add('keyword', asList(record.keyword).length ? { text: asList(record.keyword).join(', ') } : undefined);
  add('theme', links(record.theme));
  return rows;
}

/** The contact point's rows: the email as a mailto link, a web address as a link. */
export function describeContact(contact: Record<string, string> | undefined, t: Translate): SummaryRow[] {
  if (!contact) return [];
  const rows: SummaryRow[] = [{ key: { text: t('marketplace.slots.contactName') }, value: { text: contact.contactName! } }];
  rows.push({ key: { text: t('marketplace.slots.email') }, value: { html: `<a class="govuk-link" href="mailto:${escapeHtml(contact.email!)}">${escapeHtml(contact.email!)}</a>` } });
  if (contact.telephone) rows.push({ key: { text: t('marketplace.slots.telephone') }, value: { text: contact.telephone } });
  if (contact.address) rows.push({ key: { text: t('marketplace.slots.address') }, value: { html: linkOrText(contact.address) } });
  return rows;
}

export type RelatedLinkGroup = { heading: string; links: Array<{ href: string; text: string }> };

/** The related records the reader may see, in groups with headings, leaving out empty groups. */
export function describeRelated(related: RelatedRecords, base: CatalogueBase, t: Translate): RelatedLinkGroup[] {
  const groups: Array<[string, CatalogueEntry[]]> = [
    ['servedDatasets', related.servedDatasets],
    ['servingServices', related.servingServices],
    ['distributions', related.distributions],
    ['distributionOf', related.distributionOf],
    ['relatedResources', related.relatedResources],
  ];
  return groups
    .filter(([, entries]) => entries.length > 0)
    .map(([name, entries]) => ({
      heading: t(`marketplace.related.${name}`),
      links: entries.map((entry) => ({ href: recordPath(base, entry.record.identifier), text: entry.record.title })),
    }));
}
