import type { FormDefinition } from '../definition/form-definition.ts';
import { describeAnswer } from '../runner/answer-display.ts';
import type { Answers } from '../runner/answers.ts';
import { formatPence } from '../payments/pence.ts';
import { english, type PaymentLine } from './submission-email.ts';

const PAYMENT_HEADERS = ['Amount paid', 'Payment reference', 'GOV.UK Pay payment ID'];

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return first)
 * gets a leading apostrophe, as OWASP advises, so an answer cannot run in the team's spreadsheet.
 */
function asCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/**
 * A submission as CSV (RFC 4180, CRLF rows, every cell quoted): a header row, then one row of
 * the reference, when it was submitted, and each question's answers in English (an answer's
 * lines, and several answers, one a line within the cell), then the payment's, when there is one.
 */
export function composeSubmissionCsv(input: { definition: FormDefinition; reference: string; answers: Answers; submittedAt: string; payment?: PaymentLine }): string {
  const { definition, answers, payment } = input;
  const header = ['Reference', 'Submitted at', ...definition.pages.map((page) => page.question.en), ...(payment ? PAYMENT_HEADERS : [])];
  const row = [
    input.reference,
    input.submittedAt,
    ...definition.pages.map((page) => (answers[page.id]?.values ?? []).map((value) => describeAnswer(page, value, 'en', english).join('\n')).join('\n')),
    ...(payment ? [formatPence(payment.amount), payment.reference, payment.payPaymentId] : []),
  ];
  return [header, row].map((cells) => cells.map(asCell).join(',')).join('\r\n') + '\r\n';
}
