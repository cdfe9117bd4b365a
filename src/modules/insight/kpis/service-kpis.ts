/**
 * The Service Standard's four KPIs, and the volumes beside them, for one service and one period,
 * from the counts Insight keeps (never raw events) and what the team entered. Each KPI is a ratio
 * with its parts, or undefined when there is nothing to divide by: a page says "no data", never 0%.
 */

/** Event counts of one service in one period, by event type, summed over its components. */
export type EventCounts = Partial<Record<string, number>>;

/** What the team entered for the period: transactions made by other channels, and the cost of all of them. */
export type TeamFigures = { nonDigitalTransactions?: number; costPence?: number };

/** Satisfaction answers of the period, by rating 1 (very dissatisfied) to 5 (very satisfied). */
export type SatisfactionCounts = Readonly<Record<1 | 2 | 3 | 4 | 5, number>>;

export type Ratio = { numerator: number; denominator: number; value: number };

/** Which journeys a service's completion is counted from: its forms when it has any, else its sign-ins. */
export type CompletionSource = 'forms' | 'sign-ins' | 'none';

export type ServiceKpis = {
  completionSource: CompletionSource;
  started: number;
  completed: number;
  completionRate?: Ratio;
  /** % satisfied or very satisfied (4 or 5) of all answers, once there are enough of them. */
  satisfaction?: Ratio;
  satisfactionAnswers: number;
  digitalTakeUp?: Ratio;
  /** Pence per completed transaction, digital or not. */
  costPerTransactionPence?: Ratio;
  payments: { created: number; succeeded: number; failed: number; abandoned: number };
  notifications: { sent: number; delivered: number; failed: number; deliveryRate?: Ratio };
};

const count = (counts: EventCounts, type: string) => counts[type] ?? 0;

/** Fewer answers than this say nothing of a service: one "very satisfied" is not 100% satisfaction. */
export const MIN_SATISFACTION_ANSWERS = 10;

function ratio(numerator: number, denominator: number): Ratio | undefined {
  return denominator > 0 ? { numerator, denominator, value: numerator / denominator } : undefined;
}

const JOURNEY_EVENTS = {
  forms: { started: 'forms.form.started', completed: 'forms.form.submitted' },
  'sign-ins': { started: 'identity.sign-in.started', completed: 'identity.sign-in.completed' },
} as const;

/** Journeys started and completed, counted from `source`'s events. */
export function countJourneys(counts: EventCounts, source: CompletionSource): { started: number; completed: number } {
  if (source === 'none') return { started: 0, completed: 0 };
  return { started: count(counts, JOURNEY_EVENTS[source].started), completed: count(counts, JOURNEY_EVENTS[source].completed) };
}

export function computeServiceKpis(input: { counts: EventCounts; team?: TeamFigures; satisfaction?: SatisfactionCounts }): ServiceKpis {
  const { counts } = input;
  const formsStarted = count(counts, 'forms.form.started');
  const signInsStarted = count(counts, 'identity.sign-in.started');
  // A form is the transaction; a sign-in within it is a step, so the two are never added together.
  const completionSource: CompletionSource = formsStarted > 0 || count(counts, 'forms.form.submitted') > 0 ? 'forms' : signInsStarted > 0 ? 'sign-ins' : 'none';
  const { started, completed } = countJourneys(counts, completionSource);

  const answers = input.satisfaction;
  const answered = answers ? answers[1] + answers[2] + answers[3] + answers[4] + answers[5] : 0;
  const nonDigital = input.team?.nonDigitalTransactions;
  const cost = input.team?.costPence;
  const delivered = count(counts, 'notify.notification.delivered');
  const failedDeliveries = count(counts, 'notify.notification.failed');

  return {
    completionSource,
    started,
    completed,
    completionRate: ratio(completed, started),
    satisfaction: answers && answered >= MIN_SATISFACTION_ANSWERS ? ratio(answers[4] + answers[5], answered) : undefined,
    satisfactionAnswers: answered,
    digitalTakeUp: nonDigital === undefined ? undefined : ratio(completed, completed + nonDigital),
    costPerTransactionPence: cost === undefined ? undefined : ratio(cost, completed + (nonDigital ?? 0)),
    payments: {
      created: count(counts, 'pay.payment.created'),
      succeeded: count(counts, 'pay.payment.succeeded'),
      failed: count(counts, 'pay.payment.failed'),
      abandoned: count(counts, 'pay.payment.abandoned'),
    },
    notifications: { sent: count(counts, 'notify.notification.sent'), delivered, failed: failedDeliveries, deliveryRate: ratio(delivered, delivered + failedDeliveries) },
  };
}
