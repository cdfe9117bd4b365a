import { join } from 'node:path';
import { formatDateTime } from '../../../platform/http/dates.ts';
import { createTranslations, readMessageCatalogues } from '../../../platform/http/i18n.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import { describeAnswer } from '../runner/answer-display.ts';
import type { Answers, FileAnswer } from '../runner/answers.ts';

const translations = createTranslations([readMessageCatalogues(join(import.meta.dirname, '..', 'locales'))]);
/** The team reads submissions in English: the form's English texts and Forms' English words. */
export const english = translations.en;
/** A person who filled the form in Welsh gets their confirmation in Welsh. */
export const welsh = translations.cy;

/**
 * A person's answer goes into Notify's email formatting: a line may not start a heading, list,
 * inset or rule there, or a person could dress their answer up as the form's own text.
 */
function asPlainLine(line: string): string {
  return line.replace(/^[\s#*^>•-]+/, '');
}

/** The email the form's team gets for a submission: its reference, when, and every question with its answers. */
export function composeSubmissionEmail(input: {
  definition: FormDefinition;
  reference: string;
  answers: Answers;
  submittedAt: string;
  /** The team's link to a file given as an answer. */
  linkToFile: (fileId: string) => string;
  /** The team's link to the answers as CSV. */
  answersCsvLink: string;
}): { subject: string; body: string } {
  const { definition, reference, answers } = input;
  const sections = definition.pages
    .filter((page) => answers[page.id])
    .map((page) => {
      const values = answers[page.id]?.values ?? [];
      const lines = values.length === 0 ? [english('forms.notAnswered')] : values.flatMap((value) => describeAnswer(page, value, 'en', english));
      const links = page.answerType === 'file' ? values.map((value) => input.linkToFile((value as FileAnswer).fileId)) : [];
      return [`## ${page.question.en}`, ...lines.map(asPlainLine), ...links].join('\n');
    });
  return {
    subject: `${definition.name.en}: submission ${reference}`,
    body: [`Reference: ${reference}`, `Submitted: ${formatDateTime(input.submittedAt, 'en')}`, `The answers as CSV: ${input.answersCsvLink}`, '---', ...sections].join('\n\n'),
  };
}
