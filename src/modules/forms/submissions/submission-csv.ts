import { formatCsvRow } from '../../../platform/http/csv-field.ts';
import type { FormDefinition, FormPage } from '../definition/form-definition.ts';
import { describeAnswer } from '../runner/answer-display.ts';
import type { AnswerValue, Answers, FileAnswer } from '../runner/answers.ts';
import { formatPence } from '../payments/pence.ts';
import { english, paymentLineOf, type PaymentLine } from './submission-email.ts';
import type { SubmissionRow } from './submission.store.ts';

const PAYMENT_HEADERS = ['Amount paid', 'Payment reference', 'GOV.UK Pay payment ID'];
/** Every cell quoted; one that a spreadsheet would read as a formula gets a leading apostrophe (the kernel's CSV field). */
const row = (cells: ReadonlyArray<string>) => formatCsvRow(cells, { quote: 'always' });

/**
 * A submission as CSV (RFC 4180, CRLF rows, every cell quoted): a header row, then one row of
 * the reference, when it was submitted, and each question's answers in English (an answer's
 * lines, and several answers, one a line within the cell), then the payment's, when there is one.
 */
export function composeSubmissionCsv(input: { definition: FormDefinition; reference: string; answers: Answers; submittedAt: string; payment?: PaymentLine }): string {
  const { definition, answers, payment } = input;
  const header = ['Reference', 'Submitted at', ...definition.pages.map((page) => page.question.en), ...(payment ? PAYMENT_HEADERS : [])];
  const cells = [
    input.reference,
    input.submittedAt,
    ...definition.pages.map((page) => (answers[page.id]?.values ?? []).map((value) => describeAnswer(page, value, 'en', english).join('\n')).join('\n')),
    ...(payment ? [formatPence(payment.amount), payment.reference, payment.payPaymentId] : []),
  ];
  return row(header) + row(cells);
}

const isFile = (value: AnswerValue): value is FileAnswer => typeof value === 'object' && value !== null && 'fileId' in value;

/**
 * A form's submissions as one CSV, a row at a time (so a download of any size is never held
 * whole): the reference, when it was submitted, new or done, then a column per question of every
 * version (headed by its newest English text), then the payment's columns when the form ever
 * charged. An answer's lines are one a line in its cell; several answers are numbered, one a line;
 * a file is its name and the console's link to it.
 */
export async function* streamSubmissionsCsv(input: {
  /** The form's versions' definitions, newest first: their questions are the columns. */
  definitions: readonly FormDefinition[];
  rows: AsyncIterable<SubmissionRow>;
  definitionOf(versionId: string): Promise<FormDefinition | undefined>;
  fileLink(submissionId: string, fileId: string): string;
}): AsyncGenerator<string> {
  const columns = new Map<string, string>();
  for (const definition of input.definitions) for (const page of definition.pages) if (!columns.has(page.id)) columns.set(page.id, page.question.en);
  const charges = input.definitions.some((definition) => definition.settings.payment !== undefined);
  yield row(['Reference', 'Submitted at', 'Status', 'Marked done at', ...columns.values(), ...(charges ? PAYMENT_HEADERS : [])]);
  for await (const submission of input.rows) {
    const definition = await input.definitionOf(submission.version_id);
    const pages = new Map<string, FormPage>((definition?.pages ?? []).map((page) => [page.id, page]));
    const answers = JSON.parse(submission.answers) as Answers;
    const cellOf = (pageId: string) => {
      const page = pages.get(pageId);
      const values = page ? (answers[pageId]?.values ?? []) : [];
      const texts = values.map((value) => (isFile(value) ? `${value.filename} (${input.fileLink(submission.id, value.fileId)})` : describeAnswer(page as FormPage, value, 'en', english).join('\n')));
      return texts.length > 1 ? texts.map((text, index) => `${index + 1}. ${text}`).join('\n') : (texts[0] ?? '');
    };
    const payment = paymentLineOf(submission);
    yield row([
      submission.reference,
      submission.created_at,
      submission.done_at ? 'Done' : 'New',
      submission.done_at ?? '',
      ...[...columns.keys()].map(cellOf),
      ...(charges ? (payment ? [formatPence(payment.amount), payment.reference, payment.payPaymentId] : ['', '', '']) : []),
    ]);
  }
}
