import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFormDefinition } from '../definition/parse-definition.ts';
import { readExampleForm } from '../runner/runner.test-kit.ts';
import { composeConfirmationEmail } from './confirm-submission.job.ts';
import { composeSubmissionCsv } from './submission-csv.ts';
import { composeSubmissionEmail } from './submission-email.ts';

test("the team's email lists each question with its answers, and an answer cannot pass itself off as the email's own headings, lists or rules", () => {
  const definition = parseFormDefinition(readExampleForm()).definition;
  assert.ok(definition);
  const email = composeSubmissionEmail({
    definition,
    reference: 'FISH-2345-6789',
    submittedAt: '2026-12-03T09:30:00.000Z',
    linkToFile: (fileId) => `https://civitas.example/forms/files/${fileId}?key=k`,
    answersCsvLink: 'https://civitas.example/forms/submissions/s/answers.csv?key=k',
    answers: {
      'licence-type': { values: ['net'], complete: true },
      organisation: { values: [], complete: true },
      'boat-name': { values: ['# Approved', '---', '* Pay £0', 'Plain boat'], complete: true },
      experience: { values: ['^ Inset\n> quote\nSecond line'], complete: true },
    },
  });
  assert.equal(email.subject, 'Apply for a fishing licence: submission FISH-2345-6789');
  assert.equal(
    email.body,
    [
      'Reference: FISH-2345-6789',
      'Submitted: 3 December 2026 at 9:30am',
      'The answers as CSV: https://civitas.example/forms/submissions/s/answers.csv?key=k',
      '---',
      '## What kind of licence do you need?\nNet licence',
      '## What is the name of your organisation?\nNot answered',
      '## What is the name of a boat you will fish from?\nApproved\n\nPay £0\nPlain boat',
      '## Tell us about your fishing experience\nInset\nquote\nSecond line',
    ].join('\n\n'),
  );
});

test('a paid submission: the team\'s email and CSV name the amount, the payment reference and Pay\'s payment id; the person\'s email, in Welsh, the amount and reference', () => {
  const definition = parseFormDefinition(readExampleForm()).definition;
  assert.ok(definition);
  const payment = { amount: 125050, reference: 'PAY-ABCDEF', payPaymentId: '1k8tp9ruggi4jan9h6417nfnfa' };
  const team = composeSubmissionEmail({ definition, reference: 'FISH-2345-6789', submittedAt: '2026-12-03T09:30:00.000Z', linkToFile: () => '', answersCsvLink: 'https://civitas.example/csv', answers: {}, payment });
  assert.match(team.body, /\n\nPaid: £1,250\.50, payment reference PAY-ABCDEF, GOV\.UK Pay payment ID 1k8tp9ruggi4jan9h6417nfnfa\n\n---/);
  const person = composeConfirmationEmail({ definition, reference: 'FISH-2345-6789', language: 'cy', payment });
  assert.match(person.body, /Taliad: £1,250\.50, cyfeirnod y taliad PAY-ABCDEF/);
  assert.doesNotMatch(person.body, /1k8tp9ruggi4jan9h6417nfnfa/);
  const [header, row] = composeSubmissionCsv({ definition, reference: 'FISH-2345-6789', submittedAt: '2026-12-03T09:30:00.000Z', answers: {}, payment }).split('\r\n');
  assert.match(header ?? '', /,"Amount paid","Payment reference","GOV.UK Pay payment ID"$/);
  assert.match(row ?? '', /,"£1,250\.50","PAY-ABCDEF","1k8tp9ruggi4jan9h6417nfnfa"$/);
});
