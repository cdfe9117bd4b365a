/**
 * The example benefits agency's records: made-up people with made-up awards. References use the
 * prefix QQ, which is never given to anyone as a National Insurance number.
 */

export type PipAward = {
  reference: string;
  name: string;
  date_of_birth: string;
  postcode: string;
  status: 'awarded' | 'under-review' | 'ended';
  rate: { daily_living: 'standard' | 'enhanced' | null; mobility: 'standard' | 'enhanced' | null };
  award_start: string;
  next_review: string | null;
  assessment_notes: string;
};

export const PIP_AWARDS: readonly PipAward[] = [
  {
    reference: 'QQ123456A',
    name: 'Alex Example',
    date_of_birth: '1968-04-12',
    postcode: 'ZZ1 1AA',
    status: 'awarded',
    rate: { daily_living: 'standard', mobility: 'enhanced' },
    award_start: '2024-02-01',
    next_review: '2027-02-01',
    assessment_notes: 'Made-up notes of an assessment: a council has no need to see these.',
  },
  {
    reference: 'QQ123456B',
    name: 'Sam Sample',
    date_of_birth: '1990-11-30',
    postcode: 'ZZ2 2BB',
    status: 'under-review',
    rate: { daily_living: 'enhanced', mobility: 'standard' },
    award_start: '2022-06-15',
    next_review: '2026-06-15',
    assessment_notes: 'Made-up notes of a review in progress.',
  },
  {
    reference: 'QQ123456C',
    name: 'Jo Placeholder',
    date_of_birth: '1955-01-03',
    postcode: 'ZZ3 3CC',
    status: 'ended',
    rate: { daily_living: null, mobility: null },
    award_start: '2019-09-09',
    next_review: null,
    assessment_notes: 'Made-up notes of an award that ended.',
  },
];

/** A name as compared: without accents, in lower case, with single spaces (hyphens and apostrophes as spaces). */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s\-‐‑’'.]+/g, ' ')
    .trim();
}

/** The award of the person asked about: the reference, date of birth and name must all match one record. */
export function findPipAward(asked: { reference: string; dateOfBirth: string; name: string }): PipAward | undefined {
  const name = normaliseName(asked.name);
  return PIP_AWARDS.find((award) => award.reference === asked.reference && award.date_of_birth === asked.dateOfBirth && name !== '' && normaliseName(award.name) === name);
}

/** The service's OpenAPI description, as the agency would publish it: every field its answers hold. */
export const PIP_AWARD_OPENAPI = JSON.stringify(
  {
    openapi: '3.0.3',
    info: { title: 'PIP award (example)', version: '1', description: "An example benefits agency's Personal Independence Payment awards, with made-up people." },
    paths: {
      '/awards/{reference}': {
        get: {
          summary: 'The PIP award of the person with this reference, date of birth and name',
          description:
            'Answers only when the reference, date of birth and name all match one record, so the answer is about the person asked about. The date of birth and name are what the consumer asks with: they are not part of the answer, and an agreement shares only the answer fields it names.',
          parameters: [
            { name: 'reference', in: 'path', required: true, schema: { type: 'string', pattern: '^QQ[0-9]{6}[A-D]$' } },
            { name: 'dateOfBirth', in: 'query', required: true, description: 'The date of birth of the person asked about, YYYY-MM-DD', schema: { type: 'string', format: 'date' } },
            { name: 'name', in: 'query', required: true, description: 'Their name; compared without accents, case or extra spaces', schema: { type: 'string', maxLength: 300 } },
          ],
          responses: {
            '200': { description: 'The award', content: { 'application/json': { schema: { $ref: '#/components/schemas/Award' } } } },
            '400': { description: 'The date of birth or name is missing or malformed' },
            '404': { description: 'No award found: no record has this reference, date of birth and name together' },
          },
        },
      },
    },
    components: {
      schemas: {
        Rate: {
          type: 'object',
          title: 'Rate of each part of the award',
          'x-title-cy': 'Cyfradd pob rhan o’r dyfarniad',
          properties: { daily_living: { type: 'string', nullable: true, enum: ['standard', 'enhanced'] }, mobility: { type: 'string', nullable: true, enum: ['standard', 'enhanced'] } },
        },
        Award: {
          type: 'object',
          properties: {
            reference: { type: 'string', title: 'Reference', 'x-title-cy': 'Cyfeirnod' },
            name: { type: 'string', title: 'Name', 'x-title-cy': 'Enw' },
            date_of_birth: { type: 'string', format: 'date', title: 'Date of birth', 'x-title-cy': 'Dyddiad geni' },
            postcode: { type: 'string', title: 'Postcode', 'x-title-cy': 'Cod post' },
            status: { type: 'string', enum: ['awarded', 'under-review', 'ended'], title: 'Whether you have an award', 'x-title-cy': 'A oes gennych ddyfarniad' },
            rate: { $ref: '#/components/schemas/Rate' },
            award_start: { type: 'string', format: 'date', title: 'When the award started', 'x-title-cy': 'Pryd y dechreuodd y dyfarniad' },
            next_review: { type: 'string', format: 'date', nullable: true, title: 'When the award is next reviewed', 'x-title-cy': 'Pryd yr adolygir y dyfarniad nesaf' },
            assessment_notes: { type: 'string', title: 'Assessment notes', 'x-title-cy': 'Nodiadau asesu' },
          },
        },
      },
    },
  },
  null,
  2,
);
