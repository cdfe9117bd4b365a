import type { FastifyRequest } from 'fastify';
import { formatMonth } from '../../../platform/http/dates.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { MEASURE_KINDS, type MeasureKind, type PerformanceData } from './performance-data.ts';

const CHART = { width: 640, height: 200, top: 10, bottom: 24, left: 40 } as const;

/** A value as the page shows it: "75%", "62.5%", "£30.00", "1,234", or "No data". */
export function formatMeasure(value: number | null, kind: MeasureKind, noData: string): string {
  if (value === null) return noData;
  if (kind === 'share') return `${Math.round(value * 1000) / 10}%`;
  if (kind === 'pence') return `£${(value / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return value.toLocaleString('en-GB');
}

/** Completed journeys per day as SVG bars; the page shows the same numbers in a table beside it. */
function chartOf(days: PerformanceData['days']) {
  const highest = Math.max(1, ...days.map((day) => day.completed));
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const slot = (CHART.width - CHART.left) / Math.max(1, days.length);
  return {
    ...CHART,
    highest,
    bars: days.map((day, index) => {
      const height = Math.round((day.completed / highest) * plotHeight);
      return { x: Math.round(CHART.left + index * slot + slot * 0.15), width: Math.max(1, Math.round(slot * 0.7)), y: CHART.top + plotHeight - height, height, day: Number(day.day.slice(8)), completed: day.completed };
    }),
    baseline: CHART.top + plotHeight,
  };
}

export function buildServicePage(input: { data: PerformanceData; t: FastifyRequest['t']; locale: Locale; basePath: string }) {
  const { data, t, locale } = input;
  const noData = t('insight.noData');
  const monthName = formatMonth(data.month, locale);
  const started = data.measures.find((row) => row.measure === 'transactions_started')?.value ?? 0;
  const query = `?month=${data.month}`;
  return {
    pageTitle: t('insight.service.title', { service: data.service.name }),
    serviceLabel: data.service.name,
    organisationName: data.service.organisation,
    monthName,
    previousMonthName: formatMonth(data.previous_month, locale),
    previousMonthHref: `${input.basePath}?month=${data.previous_month}`,
    completionSource: t(`insight.completionSource.${data.completion_counted_from}`),
    measures: data.measures.map((row) => ({
      id: row.measure,
      label: t(`insight.measures.${row.measure}.label`),
      definition: t(`insight.measures.${row.measure}.definition`),
      value: formatMeasure(row.value, MEASURE_KINDS[row.measure], noData),
      previous: formatMeasure(row.previous_value, MEASURE_KINDS[row.measure], noData),
    })),
    chart: chartOf(data.days),
    chartTitle: t('insight.chart.title', { month: monthName }),
    chartDescription: t('insight.chart.description', { month: monthName, total: data.days.reduce((sum, day) => sum + day.completed, 0).toLocaleString('en-GB') }),
    days: data.days.map((day) => ({ label: `${Number(day.day.slice(8))} ${formatMonth(data.month, locale)}`, started: day.started.toLocaleString('en-GB'), completed: day.completed.toLocaleString('en-GB') })),
    funnel: data.funnel.map((step) => ({ step: step.step, reached: step.reached.toLocaleString('en-GB'), share: formatMeasure(started ? step.reached / started : null, 'share', noData) })),
    csvHref: `${input.basePath}.csv${query}`,
    jsonHref: `${input.basePath}.json${query}`,
  };
}
