import type { Executor } from '../../../platform/db/database.ts';
import type { ServiceEvents } from '../../../platform/events/service-events.ts';
import { listConsoleServiceComponents } from '../../console/console.contract.ts';
import { createInsightStore } from './insight.store.ts';
import { computeServiceKpis, countJourneys, type EventCounts, type ServiceKpis } from './service-kpis.ts';

/** A calendar month, UTC: `2026-11`. */
export type Month = string;

/** This century's months: a platform's figures begin after 2000 and a year 9999 page would only be empty. */
const MONTH = /^20\d{2}-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

export function monthOf(at: Date): Month {
  return at.toISOString().slice(0, 7);
}

export function previousMonth(month: Month): Month {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(year, number - 2, 1)));
}

export function rangeOf(month: Month): { from: string; to: string } {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(year, number - 1, 1)).toISOString(), to: new Date(Date.UTC(year, number, 1)).toISOString() };
}

type FigureSources = { db: Executor; serviceEvents: Pick<ServiceEvents, 'readAggregates'> };

/** Whose events count for a console service: its own (its forms') and those of every component it owns, never another's. */
export async function eventSourcesOf(db: Executor, serviceId: string): Promise<string[]> {
  const components = await listConsoleServiceComponents(db, serviceId);
  return [`console-service:${serviceId}`, ...components.map((component) => `${component.kind}:${component.externalId}`)];
}

/** The kernel's counts of the given event sources (see `eventSourcesOf`) over a range. */
export async function readServiceCounts(dependencies: FigureSources, sources: readonly string[], range: { from: string; to: string; granularity: 'day' | 'hour' }) {
  return (await Promise.all(sources.map((service) => dependencies.serviceEvents.readAggregates({ ...range, service })))).flat();
}

/** The counts of `rows` by event type. */
export function countByType(rows: ReadonlyArray<{ type: string; count: number }>): EventCounts {
  const counts: EventCounts = {};
  for (const row of rows) counts[row.type] = (counts[row.type] ?? 0) + row.count;
  return counts;
}

export type DayFigures = { day: string; started: number; completed: number };
/** How many journeys reached each page of the service's forms, most first: where people stopped. */
export type FunnelStep = { step: string; reached: number };
export type MonthFigures = { month: Month; kpis: ServiceKpis; days: DayFigures[]; funnel: FunnelStep[] };

/**
 * The figures of one console service in one month, from the kernel's daily counts of every
 * component the service owns (and the service's own events, such as its forms'), the team's
 * entries and the satisfaction answers.
 */
export async function readMonthFigures(dependencies: FigureSources, service: { id: string; sources: readonly string[] }, month: Month): Promise<MonthFigures> {
  const { db } = dependencies;
  const serviceId = service.id;
  const range = rangeOf(month);
  const rows = await readServiceCounts(dependencies, service.sources, { ...range, granularity: 'day' });

  const counts = countByType(rows);
  const byDay = new Map<string, EventCounts>();
  for (const row of rows) {
    const day = byDay.get(row.period) ?? {};
    day[row.type] = (day[row.type] ?? 0) + row.count;
    byDay.set(row.period, day);
  }
  const store = createInsightStore(db);
  const [team, satisfaction] = await Promise.all([store.findTeamFigures(serviceId, month), store.countRatings(serviceId, range)]);
  const kpis = computeServiceKpis({ counts, team, satisfaction });

  const days: DayFigures[] = [];
  for (let at = new Date(range.from); at.toISOString() < range.to; at = new Date(at.getTime() + 86_400_000)) {
    const day = at.toISOString().slice(0, 10);
    // Each day counted from the month's source, so the days add up to the month.
    const { started, completed } = countJourneys(byDay.get(day) ?? {}, kpis.completionSource);
    days.push({ day, started, completed });
  }
  const reached = new Map<string, number>();
  for (const row of rows) if (row.type === 'forms.page.reached' && row.step !== '') reached.set(row.step, (reached.get(row.step) ?? 0) + row.count);
  const funnel = [...reached].map(([step, count]) => ({ step, reached: count })).sort((a, b) => b.reached - a.reached || a.step.localeCompare(b.step));
  return { month, kpis, days, funnel };
}
