import type { CatalogueRecord } from '../records/validate-record.ts';

const XSD_DATE = 'http://www.w3.org/2001/XMLSchema#date';
const XSD_DATE_TIME = 'http://www.w3.org/2001/XMLSchema#dateTime';
const ORGANISATIONS = 'https://www.gov.uk/government/organisations/';
const reference = (id: string) => ({ '@id': id, '@type': '@id' });

/**
 * DCAT v3 with Dublin Core and vCard, each slot of the CDDO model under its own name and its
 * slot_uri (securityClassification has none: it takes the model's own namespace).
 */
export const DCAT_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  adms: 'http://www.w3.org/ns/adms#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  freq: 'http://purl.org/cld/freq/',
  ukgov: 'https://w3id.org/co-cddo/ukgov-metadata-exchange-model/',
  Catalog: 'dcat:Catalog',
  Dataset: 'dcat:Dataset',
  DataService: 'dcat:DataService',
  Distribution: 'dcat:Distribution',
  Kind: 'vcard:Kind',
  dataset: reference('dcat:dataset'),
  service: reference('dcat:service'),
  accessRights: 'dct:accessRights',
  accessService: reference('dcat:accessService'),
  address: 'vcard:hasAddress',
  alternativeTitle: 'dct:alternative',
  byteSize: { '@id': 'dcat:byteSize', '@type': 'xsd:nonNegativeInteger' },
  contactName: 'vcard:fn',
  contactPoint: 'dcat:contactPoint',
  created: 'dct:created',
  creator: reference('dct:creator'),
  description: 'dct:description',
  distribution: reference('dcat:distribution'),
  downloadURL: reference('dcat:downloadURL'),
  email: reference('vcard:hasEmail'),
  endpointDescription: reference('dcat:endpointDescription'),
  endpointURL: reference('dcat:endpointURL'),
  identifier: 'dct:identifier',
  issued: 'dct:issued',
  keyword: 'dcat:keyword',
  licence: reference('dct:license'),
  mediaType: 'dcat:mediaType',
  modified: 'dct:modified',
  publisher: reference('dct:publisher'),
  relatedResource: reference('dct:relation'),
  securityClassification: 'ukgov:securityClassification',
  servesData: reference('dcat:servesDataset'),
  serviceStatus: 'adms:status',
  serviceType: 'dct:type',
  summary: 'rdfs:comment',
  telephone: 'vcard:hasTelephone',
  theme: reference('dcat:theme'),
  title: 'dct:title',
  updateFrequency: reference('dct:accrualPeriodicity'),
  version: 'dcat:version',
} as const;

const REFERENCE_SLOTS = new Set(['accessService', 'distribution', 'servesData', 'relatedResource']);
const WORDS_OR_IRI_SLOTS = new Set(['theme', 'licence', 'endpointDescription']);
const DATE_SLOTS = new Set(['created', 'issued', 'modified']);

/** The IRI a record is known by: its identifier when that is an absolute URI, else its page. */
export type NodeIdOf = (identifier: string) => string;

export const isAbsoluteIri = (value: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && URL.canParse(value);

function mapValues(value: unknown, map: (item: string) => unknown): unknown {
  return Array.isArray(value) ? value.map((item) => map(String(item))) : map(String(value));
}

/** One record as a JSON-LD node of the catalogue's context. */
export function recordNodeOf(record: CatalogueRecord, nodeIdOf: NodeIdOf): Record<string, unknown> {
  const node: Record<string, unknown> = { '@id': nodeIdOf(record.identifier), '@type': record.type.slice('dcat:'.length) };
  for (const [slot, value] of Object.entries(record)) {
    if (slot === 'type' || value === undefined) continue;
    if (slot === 'contactPoint') {
      const contact = value as Record<string, string>;
      node.contactPoint = { '@type': 'Kind', ...contact, email: `mailto:${contact.email}` };
    } else if (slot === 'creator' || slot === 'publisher') {
      node[slot] = mapValues(value, (slug) => `${ORGANISATIONS}${slug}`);
    } else if (REFERENCE_SLOTS.has(slot)) {
      node[slot] = mapValues(value, nodeIdOf);
    } else if (DATE_SLOTS.has(slot)) {
      node[slot] = { '@value': value, '@type': String(value).includes('T') ? XSD_DATE_TIME : XSD_DATE };
    } else if (slot === 'licence' && value === 'DATA_SHARE_AGREEMENT') {
      node.licence = `${DCAT_CONTEXT.ukgov}DATA_SHARE_AGREEMENT`;
    } else if (WORDS_OR_IRI_SLOTS.has(slot)) {
      // A value that is neither a URI nor a CURIE stays words, not a broken IRI.
      node[slot] = mapValues(value, (item) => (isAbsoluteIri(item) ? item : { '@value': item }));
    } else {
      node[slot] = value;
    }
  }
  return node;
}
