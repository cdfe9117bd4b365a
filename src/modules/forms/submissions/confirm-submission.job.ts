import type { JobHandler } from '../../../platform/jobs/job-worker.ts';
import type { Kernel } from '../../../platform/kernel.ts';
import { sendSystemEmail, SYSTEM_TEMPLATES } from '../../notify/notify.contract.ts';
import type { FormDefinition, Language } from '../definition/form-definition.ts';
import type { Answers } from '../runner/answers.ts';
import { textIn } from '../runner/question-view.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { createSubmissionStore } from './submission.store.ts';
import { english, paymentLineOf, welsh, type PaymentLine } from './submission-email.ts';
import { formatPence } from '../payments/pence.ts';

/** Where the person's confirmation goes: their answer to the form's first email question, if they gave one. */
export function confirmationAddressOf(definition: FormDefinition, answers: Answers): string | undefined {
  const page = definition.pages.find((candidate) => candidate.answerType === 'email' && typeof answers[candidate.id]?.values[0] === 'string');
  return page ? (answers[page.id]?.values[0] as string) : undefined;
}

/** The person's confirmation email, in the language they filled the form in: the form, the reference, what happens next. */
export function composeConfirmationEmail(input: { definition: FormDefinition; reference: string; language: Language; payment?: PaymentLine }): { subject: string; body: string } {
  const t = input.language === 'cy' ? welsh : english;
  const name = textIn(input.definition.name, input.language);
  return {
    subject: t('forms.confirmationEmail.subject', { form: name }),
    body: [
      t('forms.confirmationEmail.received', { form: name }),
      `${t('forms.confirmationEmail.reference')} ${input.reference}`,
      ...(input.payment ? [t('forms.payment.emailPaid', { amount: formatPence(input.payment.amount), reference: input.payment.reference })] : []),
      `## ${t('forms.confirmation.whatHappensNext')}`,
      textIn(input.definition.settings.whatHappensNext, input.language),
    ].join('\n\n'),
  };
}

/**
 * Emails the person their confirmation through Notify's platform template, when the form asked
 * for their email address. Notify's reference is the submission's id, so a retry after a crash
 * between sending and finishing can be recognised there.
 */
export function createConfirmSubmissionJob(kernel: Kernel): JobHandler {
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  return {
    async run(job) {
      const submission = await createSubmissionStore(kernel.db).find(String(job.payload.submissionId));
      const version = submission ? await versions.findVersion(submission.version_id) : undefined;
      if (!submission || !version) return;
      const to = confirmationAddressOf(version.definition, JSON.parse(submission.answers) as Answers);
      if (!to) return;
      const language: Language = job.payload.language === 'cy' ? 'cy' : 'en';
      const email = composeConfirmationEmail({ definition: version.definition, reference: submission.reference, language, payment: paymentLineOf(submission) });
      await sendSystemEmail(kernel, { templateKey: SYSTEM_TEMPLATES.accountNoticeEmail, to, personalisation: email, reference: `confirmation-${submission.id}` });
    },
  };
}
