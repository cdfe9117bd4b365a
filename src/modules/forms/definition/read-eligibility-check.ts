import type { DefinitionReader } from './definition-reader.ts';
import { DEFINITION_LIMITS, ELIGIBILITY_OUTCOMES, type EligibilityCheck, type EligibilityCondition, type FormDefinition } from './form-definition.ts';

const SUBSYSTEM_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){3}$/;
const SERVICE_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){4}$/;
const PATH_PATTERN = /^(\/[A-Za-z0-9._~-]+|\/\{reference\})+$/;
const FIELD_PATTERN = /^\$(\.[A-Za-z0-9_]+){1,5}$/;
const MAX_CONDITIONS = 10;

/** A page's `eligibilityCheck`: which Exchange consumer asks, which service it calls and when the answer means eligible. */
export function readEligibilityCheck(reader: DefinitionReader, value: unknown, path: string): EligibilityCheck | undefined {
  const json = reader.object(value, path, ['client', 'service', 'path', 'referencePage', 'dateOfBirthPage', 'namePage', 'eligibleWhen']);
  if (!json) return undefined;
  const client = reader.string(json.client, `${path}.client`, { maxLength: 300, pattern: SUBSYSTEM_PATTERN, patternMessage: 'must be a subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM' });
  const service = reader.string(json.service, `${path}.service`, { maxLength: 300, pattern: SERVICE_PATTERN, patternMessage: 'must be a service, INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE' });
  const callPath = reader.string(json.path, `${path}.path`, { maxLength: 300, pattern: PATH_PATTERN, patternMessage: 'must be a path of plain segments with one {reference}' });
  if (callPath !== undefined && callPath.split('{reference}').length !== 2) reader.fault(`${path}.path`, 'must hold {reference} once');
  const referencePage = reader.string(json.referencePage, `${path}.referencePage`, { maxLength: DEFINITION_LIMITS.idLength });
  const dateOfBirthPage = reader.string(json.dateOfBirthPage, `${path}.dateOfBirthPage`, { maxLength: DEFINITION_LIMITS.idLength });
  const namePage = reader.optional(json, 'namePage', (item) => reader.string(item, `${path}.namePage`, { maxLength: DEFINITION_LIMITS.idLength }));
  const conditions = (reader.array(json.eligibleWhen, `${path}.eligibleWhen`, MAX_CONDITIONS) ?? []).flatMap((item, index): EligibilityCondition[] => {
    const at = `${path}.eligibleWhen[${index}]`;
    const condition = reader.object(item, at, ['field', 'oneOf']);
    if (!condition) return [];
    const field = reader.string(condition.field, `${at}.field`, { maxLength: 200, pattern: FIELD_PATTERN, patternMessage: 'must be a JSON path such as $.rate.mobility' });
    const oneOf = (reader.array(condition.oneOf, `${at}.oneOf`, 20) ?? []).map((entry, entryIndex) => reader.string(entry, `${at}.oneOf[${entryIndex}]`, { maxLength: 100 }));
    if (oneOf.length === 0) reader.fault(`${at}.oneOf`, 'needs at least one value');
    return field !== undefined && oneOf.length > 0 && oneOf.every((entry) => entry !== undefined) ? [{ field, oneOf: oneOf as string[] }] : [];
  });
  if (Array.isArray(json.eligibleWhen) && json.eligibleWhen.length === 0) reader.fault(`${path}.eligibleWhen`, 'needs at least one condition');
  if (client === undefined || service === undefined || callPath === undefined || referencePage === undefined || dateOfBirthPage === undefined) return undefined;
  return { client, service, path: callPath, referencePage, dateOfBirthPage, ...(namePage !== undefined ? { namePage } : {}), eligibleWhen: conditions };
}

/**
 * What an eligibility check needs of the rest of the form: sign-in (the person is known to
 * Exchange by their One Login `sub`), a single selection of `eligible` and `not-eligible` asked
 * once, an earlier question (National Insurance number or a line of text) for the reference, and
 * earlier questions for the person's date of birth (a date of birth) and, when named, their name:
 * what binds the service's answer to the person asking.
 */
export function findEligibilityCheckProblems(definition: FormDefinition): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  definition.pages.forEach((page, index) => {
    const check = page.eligibilityCheck;
    if (!check) return;
    const path = `pages[${index}]`;
    if (definition.settings.signIn === undefined) problems.push({ path: 'settings.signIn', message: 'is needed: an eligibility check asks the signed-in person’s consent' });
    const values = page.settings?.options?.map((option) => option.value).sort() ?? [];
    if (page.answerType !== 'selection' || page.settings?.multiple || page.settings?.noneOfTheAbove || values.join(',') !== [...ELIGIBILITY_OUTCOMES].sort().join(',')) {
      problems.push({ path: `${path}.settings.options`, message: 'an eligibility check is a single selection of exactly "eligible" and "not-eligible"' });
    }
    if (page.repeatable || page.optional) problems.push({ path, message: 'an eligibility check is asked once and is not optional' });
    const reference = definition.pages.findIndex((candidate) => candidate.id === check.referencePage);
    const referencePage = definition.pages[reference];
    const answeredOnce = referencePage !== undefined && !referencePage.repeatable && !referencePage.optional;
    const singleLine = referencePage?.answerType === 'national_insurance_number' || (referencePage?.answerType === 'text' && !referencePage.settings?.multiline);
    if (reference === -1 || reference >= index || !answeredOnce || !singleLine) {
      problems.push({ path: `${path}.eligibilityCheck.referencePage`, message: 'must be an earlier required question, asked once, of a National Insurance number or a single line of text' });
    }
    const earlier = (id: string | undefined) => {
      const at = definition.pages.findIndex((candidate) => candidate.id === id);
      const found = definition.pages[at];
      return at !== -1 && at < index && found !== undefined && !found.repeatable && !found.optional ? found : undefined;
    };
    if (!earlier(check.dateOfBirthPage)?.settings?.dateOfBirth || earlier(check.dateOfBirthPage)?.answerType !== 'date') {
      problems.push({ path: `${path}.eligibilityCheck.dateOfBirthPage`, message: 'must be an earlier required question, asked once, of a date of birth' });
    }
    if (check.namePage !== undefined && earlier(check.namePage)?.answerType !== 'name') {
      problems.push({ path: `${path}.eligibilityCheck.namePage`, message: 'must be an earlier required question, asked once, of a name' });
    }
  });
  return problems;
}
