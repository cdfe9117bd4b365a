import type { Translate } from '../../../platform/http/i18n.ts';
import { NONE_OF_THE_ABOVE, type FormPage } from '../definition/form-definition.ts';
import type { AnswerValue, FileAnswer, InternationalAddressAnswer, NameAnswer, UkAddressAnswer } from './answers.ts';
import { textIn, type Language } from './question-view.ts';

function dateInWords(value: string, t: Translate): string {
  const [year, month, day] = value.split('-');
  return `${Number(day)} ${t(`forms.months.${Number(month)}`)} ${year}`;
}

/** One answer as lines of text for check your answers (each line escaped by the template). */
export function describeAnswer(page: FormPage, value: AnswerValue, language: Language, t: Translate): string[] {
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
