import { formatCsvRow } from '../../../platform/http/csv-field.ts';
import type { Ratio } from '../kpis/service-kpis.ts';
import type { ServiceFigures } from '../insight.ts';

/** The measures a service's performance page, CSV and JSON show, in this order. */
export const MEASURES = [
  'completion_rate',
  'user_satisfaction',
  'satisfaction_answers',
  'digital_take_up',
  'cost_per_transaction',
  'transactions_started',
  'transactions_completed',
  'payments_succeeded',
  'payments_failed',
  'notifications_delivery_rate',
] as const;
export type Measure = (typeof MEASURES)[number];

/** A measure's value: a share (0 to 1), pence, or a count; null when there is nothing to measure. */
export type MeasureKind = 'share' | 'pence' | 'count';
export const MEASURE_KINDS: Record<Measure, MeasureKind> = {
  completion_rate: 'share',
  user_satisfaction: 'share',
  satisfaction_answers: 'count',
  digital_take_up: 'share',
  cost_per_transaction: 'pence',
  transactions_started: 'count',
  transactions_completed: 'count',
  payments_succeeded: 'count',
  payments_failed: 'count',
  notifications_delivery_rate: 'share',
};

const valueOf = (ratio: Ratio | undefined): number | null => (ratio === undefined ? null : ratio.value);

function measuresOf(figures: ServiceFigures['current']): Record<Measure, number | null> {
  const { kpis } = figures;
  return {
    completion_rate: valueOf(kpis.completionRate),
    user_satisfaction: valueOf(kpis.satisfaction),
    satisfaction_answers: kpis.satisfactionAnswers,
    digital_take_up: valueOf(kpis.digitalTakeUp),
    cost_per_transaction: kpis.costPerTransactionPence === undefined ? null : Math.round(kpis.costPerTransactionPence.value),
    transactions_started: kpis.started,
    transactions_completed: kpis.completed,
    payments_succeeded: kpis.payments.succeeded,
    payments_failed: kpis.payments.failed,
    notifications_delivery_rate: valueOf(kpis.notifications.deliveryRate),
  };
}

/**
 * A published service's figures as open data: the same values its page shows, unformatted.
 * Shares are fractions (0.75), costs whole pence, counts whole numbers; null is "no data".
 */
export function performanceDataOf(slug: string, figures: ServiceFigures, organisationName?: string) {
  const current = measuresOf(figures.current);
  const previous = measuresOf(figures.previous);
  return {
    service: { name: figures.service.name, slug, organisation: organisationName ?? null },
    month: figures.current.month,
    previous_month: figures.previous.month,
    completion_counted_from: figures.current.kpis.completionSource,
    measures: MEASURES.map((measure) => ({ measure, kind: MEASURE_KINDS[measure], value: current[measure], previous_value: previous[measure] })),
    days: figures.current.days,
    funnel: figures.current.funnel,
  };
}

export type PerformanceData = ReturnType<typeof performanceDataOf>;

/** The measures table as CSV: one row a measure, this month and the month before. */
export function performanceCsvOf(data: PerformanceData): string {
  return [formatCsvRow(['measure', 'kind', data.month, data.previous_month]), ...data.measures.map((row) => formatCsvRow([row.measure, row.kind, row.value, row.previous_value]))].join('');
}
