import { join } from 'node:path';
import { formatDateTime } from '../../../platform/http/dates.ts';
import { createTranslations, readMessageCatalogues } from '../../../platform/http/i18n.ts';
import type { FormDefinition } from '../definition/form-definition.ts';
import { formatPence } from '../payments/pence.ts';
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

const paymentLines = (payment: PaymentLine | undefined) =>
  payment ? [`Paid: ${formatPence(payment.amount)}, payment reference ${payment.reference}, GOV.UK Pay payment ID ${payment.payPaymentId}`] : [];

/** A submission's payment as its emails show it. */
export type PaymentLine = { amount: number; reference: string; payPaymentId: string };

export function paymentLineOf(submission: { payment_reference: string | null; pay_payment_id: string | null; payment_amount: number | null }): PaymentLine | undefined {
  if (submission.payment_reference === null || submission.pay_payment_id === null || submission.payment_amount === null) return undefined;
  return { amount: submission.payment_amount, reference: submission.payment_reference, payPaymentId: submission.pay_payment_id };
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
  payment?: PaymentLine;
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
    body: [`Reference: ${reference}`, `Submitted: ${formatDateTime(input.submittedAt, 'en')}`, `The answers as CSV: ${input.answersCsvLink}`, ...paymentLines(input.payment), '---', ...sections].join('\n\n'),
  };
}
