/**
 * The UK cross-government metadata exchange model (CDDO, LinkML, Open Government Licence v3:
 * co-cddo/ukgov-metadata-exchange-model) as rules: each class's slots with what the model says
 * of them (required once slot_usage is applied, multivalued, range). Written from the model by
 * hand: its YAML is not strictly valid YAML (a double-quoted description runs past its indent),
 * so it cannot be loaded as it is.
 */

export const ACCESS_RIGHTS = ['INTERNAL', 'OPEN', 'COMMERCIAL'] as const;
/** SECRET and TOP_SECRET are in the model's enumeration; the catalogue refuses them outright. */
export const SECURITY_CLASSIFICATIONS = ['OFFICIAL', 'NOT_APPLICABLE'] as const;
export const REFUSED_CLASSIFICATIONS = ['SECRET', 'TOP_SECRET', 'TOP SECRET'] as const;
export const SERVICE_STATUSES = ['DISCOVERY', 'ALPHA', 'BETA', 'PRIVATE_BETA', 'PUBLIC_BETA', 'LIVE', 'DEPRECATED', 'WITHDRAWN'] as const;
export const SERVICE_TYPES = ['EVENT', 'REST', 'SOAP'] as const;
/** Dublin Core's frequency vocabulary, as the model's FrequencyValues lists it. */
export const UPDATE_FREQUENCIES = [
  'freq:triennial', 'freq:biennial', 'freq:annual', 'freq:semiannual', 'freq:threeTimesAYear', 'freq:quarterly',
  'freq:bimonthly', 'freq:monthly', 'freq:semimonthly', 'freq:biweekly', 'freq:threeTimesAMonth', 'freq:weekly',
  'freq:semiweekly', 'freq:threeTimesAWeek', 'freq:daily', 'freq:continuous', 'freq:irregular',
] as const;

export type AccessRights = (typeof ACCESS_RIGHTS)[number];
export type RecordType = 'dcat:Dataset' | 'dcat:DataService' | 'dcat:Distribution';

/**
 * A slot's range: `organisation` is the model's OrganisationValues (imported from uk-gov-orgs,
 * GOV.UK's organisation slugs such as `hm-revenue-customs`); `licence` is the model's any_of
 * (a URI or CURIE, or the words DATA_SHARE_AGREEMENT).
 */
export type SlotRange =
  /** `patternProblem`: the key of the problem a value not matching `pattern` has (marketplace.problems in the locales). */
  | { kind: 'string'; maxLength: number; pattern?: RegExp; patternProblem?: 'mediaType' | 'oneLine' }
  | { kind: 'uriorcurie' }
  | { kind: 'uri' }
  | { kind: 'date' }
  | { kind: 'integer'; minimum: number }
  | { kind: 'email' }
  | { kind: 'organisation' }
  | { kind: 'licence' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'contactPoint' };

export type SlotRule = { range: SlotRange; required?: boolean; multivalued?: boolean };

const shortText: SlotRange = { kind: 'string', maxLength: 500 };
const longText: SlotRange = { kind: 'string', maxLength: 50_000 };

/** Slots of every class, as the model defines them before a class's slot_usage. */
const SLOTS = {
  accessRights: { range: { kind: 'enum', values: ACCESS_RIGHTS } },
  accessService: { range: { kind: 'uriorcurie' }, multivalued: true },
  alternativeTitle: { range: shortText, multivalued: true },
  byteSize: { range: { kind: 'integer', minimum: 1 } },
  contactPoint: { range: { kind: 'contactPoint' }, required: true },
  created: { range: { kind: 'date' } },
  creator: { range: { kind: 'organisation' }, required: true, multivalued: true },
  description: { range: longText },
  distribution: { range: { kind: 'uriorcurie' }, multivalued: true },
  downloadURL: { range: { kind: 'uri' } },
  endpointDescription: { range: { kind: 'uriorcurie' }, required: true },
  endpointURL: { range: { kind: 'uri' } },
  identifier: { range: { kind: 'uriorcurie' }, required: true },
  issued: { range: { kind: 'date' } },
  keyword: { range: { kind: 'string', maxLength: 100 }, multivalued: true },
  licence: { range: { kind: 'licence' }, required: true },
  mediaType: {
    range: {
      kind: 'string',
      maxLength: 255,
      pattern: /^(?:application|audio|font|image|message|model|multipart|text|video)\/\S+$/,
      patternProblem: 'mediaType',
    },
    required: true,
  },
  modified: { range: { kind: 'date' } },
  publisher: { range: { kind: 'organisation' }, required: true },
  relatedResource: { range: { kind: 'uriorcurie' }, multivalued: true },
  securityClassification: { range: { kind: 'enum', values: SECURITY_CLASSIFICATIONS }, required: true },
  servesData: { range: { kind: 'uriorcurie' }, multivalued: true },
  serviceStatus: { range: { kind: 'enum', values: SERVICE_STATUSES }, required: true },
  serviceType: { range: { kind: 'enum', values: SERVICE_TYPES }, required: true },
  summary: { range: { kind: 'string', maxLength: 250, pattern: /^.{1,250}$/, patternProblem: 'oneLine' } },
  theme: { range: { kind: 'uriorcurie' }, multivalued: true },
  title: { range: shortText, required: true },
  type: { range: { kind: 'uriorcurie' }, required: true },
  updateFrequency: { range: { kind: 'enum', values: UPDATE_FREQUENCIES }, required: true },
  version: { range: { kind: 'string', maxLength: 100 }, required: true },
} satisfies Record<string, SlotRule>;

export type SlotName = keyof typeof SLOTS;

const CATALOGUED_RESOURCE_SLOTS: readonly SlotName[] = [
  'accessRights', 'alternativeTitle', 'contactPoint', 'created', 'creator', 'description', 'identifier', 'issued',
  'keyword', 'licence', 'modified', 'publisher', 'relatedResource', 'securityClassification', 'summary', 'title',
  'type', 'theme', 'version',
];
/** CataloguedResource's slot_usage: these become required on datasets and data services. */
const CATALOGUED_RESOURCE_REQUIRED: readonly SlotName[] = ['accessRights', 'description', 'modified'];

function classRules(slots: readonly SlotName[], required: readonly SlotName[] = []): Readonly<Record<string, SlotRule>> {
  return Object.fromEntries(
    slots.map((slot): [string, SlotRule] => {
      const rule: SlotRule = SLOTS[slot];
      return [slot, required.includes(slot) ? { ...rule, required: true } : rule];
    }),
  );
}

/** Each class of record the catalogue holds, by the CURIE its `type` slot names it with. */
export const CLASS_RULES: Readonly<Record<RecordType, Readonly<Record<string, SlotRule>>>> = {
  'dcat:Dataset': classRules([...CATALOGUED_RESOURCE_SLOTS, 'distribution', 'updateFrequency'], CATALOGUED_RESOURCE_REQUIRED),
  'dcat:DataService': classRules(
    [...CATALOGUED_RESOURCE_SLOTS, 'endpointDescription', 'endpointURL', 'servesData', 'serviceStatus', 'serviceType'],
    CATALOGUED_RESOURCE_REQUIRED,
  ),
  'dcat:Distribution': classRules([
    'accessRights', 'accessService', 'byteSize', 'description', 'downloadURL', 'identifier', 'issued', 'licence',
    'mediaType', 'modified', 'title', 'type',
  ]),
};

/** ContactPoint (vcard:Kind): a name and an email address are required. */
export const CONTACT_POINT_RULES: Readonly<Record<string, SlotRule>> = {
  contactName: { range: shortText, required: true },
  email: { range: { kind: 'email' }, required: true },
  telephone: { range: { kind: 'string', maxLength: 50 } },
  address: { range: shortText },
};

/** The ways a record may name its class: the model's CURIE, DCAT's IRI, or the class name. */
export const TYPE_NAMES: Readonly<Record<string, RecordType>> = {
  'dcat:Dataset': 'dcat:Dataset',
  'http://www.w3.org/ns/dcat#Dataset': 'dcat:Dataset',
  Dataset: 'dcat:Dataset',
  'dcat:DataService': 'dcat:DataService',
  'http://www.w3.org/ns/dcat#DataService': 'dcat:DataService',
  DataService: 'dcat:DataService',
  'dcat:Distribution': 'dcat:Distribution',
  'http://www.w3.org/ns/dcat#Distribution': 'dcat:Distribution',
  Distribution: 'dcat:Distribution',
};
