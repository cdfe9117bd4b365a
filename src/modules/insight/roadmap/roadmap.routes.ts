import type { FastifyInstance } from 'fastify';
import { formatDate, formatMonth } from '../../../platform/http/dates.ts';
import type { Locale } from '../../../platform/http/i18n.ts';
import { formatCsvRow } from '../../../platform/http/csv-field.ts';
import type { Bilingual, Commitment, ProgressUpdate, Roadmap } from './roadmap-document.ts';
import type { RoadmapTracker } from './roadmap.ts';

const VIEWS = 'modules/insight/roadmap';
export const ROADMAP_PATH = '/performance/roadmap';
const TAG_CLASSES = { green: 'govuk-tag--green', amber: 'govuk-tag--yellow', red: 'govuk-tag--red' } as const;

const inLanguage = (text: Bilingual | undefined, locale: Locale) => (text === undefined ? undefined : locale === 'cy' ? (text.cy ?? text.en) : text.en);
const formatWhen = (date: string, locale: Locale) => (date.length === 7 ? formatMonth(date, locale) : formatDate(`${date}T12:00:00Z`, locale));

/** The tracker as CSV: one row for each progress update, with its commitment's baseline and target beside it. */
export function roadmapCsvOf(roadmap: Roadmap): string {
  const header = ['mission', 'commitment', 'title', 'owner', 'baseline_value', 'baseline_date', 'target_value', 'target_date', 'date', 'value', 'status', 'reason', 'evidence'];
  const lines = [formatCsvRow(header)];
  for (const mission of roadmap.missions) {
    for (const commitment of mission.commitments) {
      for (const update of commitment.updates) {
        lines.push(
          formatCsvRow([mission.id, commitment.id, commitment.title.en, commitment.owner, commitment.baseline?.value ?? null, commitment.baseline?.date ?? null, commitment.target.value ?? null, commitment.target.date, update.date, update.value ?? null, update.status, update.reason.en, update.evidence.map((link) => link.url).join(' ')]),
        );
      }
    }
  }
  return lines.join('');
}

/**
 * The public roadmap tracker at /performance/roadmap: each mission's commitments with baseline,
 * target, the latest measured value and RAG status (in words as well as colour) with its reason
 * and evidence, and every earlier update beneath; as JSON and CSV at the same address.
 */
export function registerRoadmapPages(app: FastifyInstance, tracker: RoadmapTracker): void {
  app.get(`${ROADMAP_PATH}.json`, async (_request, reply) => {
    const current = await tracker.current();
    if (!current) return reply.callNotFound();
    return reply.header('access-control-allow-origin', '*').send({ version: current.version, imported_at: current.importedAt, ...current.roadmap });
  });

  app.get(`${ROADMAP_PATH}.csv`, async (_request, reply) => {
    const current = await tracker.current();
    if (!current) return reply.callNotFound();
    return reply.type('text/csv; charset=utf-8').header('access-control-allow-origin', '*').header('content-disposition', 'attachment; filename="roadmap.csv"').send(roadmapCsvOf(current.roadmap));
  });

  app.get(ROADMAP_PATH, async (request, reply) => {
    const { t, locale } = request;
    const current = await tracker.current();
    const amount = (value: number | undefined, commitment: Commitment) => (value === undefined ? undefined : `${value.toLocaleString('en-GB')}${commitment.unit ? ` ${inLanguage(commitment.unit, locale)}` : ''}`);
    const describeUpdate = (update: ProgressUpdate, commitment: Commitment) => ({
      when: formatWhen(update.date, locale),
      value: amount(update.value, commitment),
      status: t(`insight.roadmap.status.${update.status}`),
      tagClass: TAG_CLASSES[update.status],
      reason: inLanguage(update.reason, locale),
      evidence: update.evidence,
    });
    return reply.render(`${VIEWS}/roadmap.njk`, {
      pageTitle: (current && inLanguage(current.roadmap.title, locale)) ?? t('insight.roadmap.title'),
      updatedAt: current ? formatDate(current.importedAt, locale) : undefined,
      missions: (current?.roadmap.missions ?? []).map((mission) => ({
        id: mission.id,
        title: inLanguage(mission.title, locale),
        description: inLanguage(mission.description, locale),
        commitments: mission.commitments.map((commitment) => {
          const latest = commitment.updates.at(-1);
          return {
            id: commitment.id,
            title: inLanguage(commitment.title, locale),
            owner: commitment.owner,
            baseline: commitment.baseline && t('insight.roadmap.valueOn', { value: amount(commitment.baseline.value, commitment) ?? '', when: formatWhen(commitment.baseline.date, locale) }),
            target: inLanguage(commitment.target.description, locale) ?? t('insight.roadmap.valueBy', { value: amount(commitment.target.value, commitment) ?? '', when: formatWhen(commitment.target.date, locale) }),
            targetDate: formatWhen(commitment.target.date, locale),
            latest: latest && describeUpdate(latest, commitment),
            history: commitment.updates.slice(0, -1).reverse().map((update) => describeUpdate(update, commitment)),
          };
        }),
      })),
    });
  });
}
