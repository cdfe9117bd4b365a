import type { Translate } from '../../../platform/http/i18n.ts';
import { NONE_OF_THE_ABOVE, type FormPage } from '../definition/form-definition.ts';
import type { AnswerValue, EligibilityEvidence, FileAnswer, InternationalAddressAnswer, NameAnswer, UkAddressAnswer } from './answers.ts';
import { textIn, type Language } from './question-view.ts';

function dateInWords(value: string, t: Translate): string {
  const [year, month, day] = value.split('-');
  return `${Number(day)} ${t(`forms.months.${Number(month)}`)} ${year}`;
}

/** The fields of a service's answer as `path: value` lines (`rate.mobility: enhanced`), nested objects flattened. */
function fieldLines(value: unknown, prefix = ''): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, item]) => fieldLines(item, prefix ? `${prefix}.${key}` : key));
  }
  return [`${prefix}: ${value === null ? '-' : String(value)}`];
}

/** An eligibility check's evidence: why it answered so, what the service said, when and under which consent. */
export function describeEvidence(evidence: EligibilityEvidence, t: Translate): string[] {
  return [
    t(`forms.eligibility.reason.${evidence.reason}`),
    ...(evidence.award ? fieldLines(evidence.award) : []),
    t('forms.eligibility.evidence.checked', { service: evidence.service, at: `${evidence.checkedAt.slice(0, 16).replace('T', ' ')} UTC` }),
    ...(evidence.consentId ? [t('forms.eligibility.evidence.consent', { id: evidence.consentId })] : []),
    ...(evidence.xRoadId ? [t('forms.eligibility.evidence.xRoadId', { id: evidence.xRoadId })] : []),
  ];
}

/** One answer as lines of text for check your answers (each line escaped by the template). */
export function describeAnswer(page: FormPage, value: AnswerValue, language: Language, t: Translate): string[] {
  if (typeof value === 'object' && !Array.isArray(value) && 'kind' in value && value.kind === 'eligibility-evidence') return describeEvidence(value, t);
  switch (page.answerType) {
    case 'name': {
      const name = value as NameAnswer;
      return [[name.title, name.fullName ?? `${name.firstName ?? ''} ${name.lastName ?? ''}`.trim()].filter(Boolean).join(' ')];
    }
    case 'address': {
      if (page.settings?.addressKind === 'international') {
        const address = value as InternationalAddressAnswer;
        return [...address.address.split(/\r?\n/), address.country];
      }
      const address = value as UkAddressAnswer;
      return [address.line1, address.line2, address.town, address.county, address.postcode].filter((line): line is string => Boolean(line));
    }
    case 'date':
      return [dateInWords(value as string, t)];
    case 'file':
      return [(value as FileAnswer).filename];
    case 'selection':
      return [value as string | string[]].flat().map((chosen) =>
        chosen === NONE_OF_THE_ABOVE ? t('forms.noneOfTheAbove') : textIn(page.settings?.options?.find((option) => option.value === chosen)?.label, language),
      );
    default:
      return String(value).split(/\r?\n/);
  }
}
