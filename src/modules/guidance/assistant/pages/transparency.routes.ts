import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../../platform/config/config.schema.ts';
import type { Translate } from '../../../../platform/http/i18n.ts';
import { renderMarkdown } from '../../markdown/render-markdown.ts';
import { readPipelineSettings, type PipelineSettings } from '../pipeline-settings.ts';
import type { GuidanceRetriever } from '../retrieval.ts';

const VIEWS = 'modules/guidance/assistant/pages';

/**
 * The assistant's Algorithmic Transparency Recording Standard record, kept in docs/ in English
 * and Welsh and written in the guidance markdown subset.
 */
export const TRANSPARENCY_RECORD_FILES = {
  en: join(import.meta.dirname, '../../../../../docs/assistant-transparency-record.md'),
  cy: join(import.meta.dirname, '../../../../../docs/assistant-transparency-record.cy.md'),
} as const;
type RecordLang = keyof typeof TRANSPARENCY_RECORD_FILES;

function readTransparencyRecord(lang: RecordLang): { title: string; html: string; lang: RecordLang } {
  const [firstLine = '', ...rest] = readFileSync(TRANSPARENCY_RECORD_FILES[lang], 'utf8').split('\n');
  return { title: firstLine.replace(/^#\s*/, ''), html: renderMarkdown(rest.join('\n'), { lang }).html, lang };
}

/** The settings as summary list rows, in the page's language. */
function settingsRows(settings: PipelineSettings, t: Translate) {
  const named = (group: string, kinds: readonly string[]) => kinds.map((kind) => t(`guidance.ask.settings.kinds.${group}.${kind}`)).join(', ');
  const percent = (share: number) => String(Math.round(share * 100));
  const { composer } = settings;
  return [
    {
      key: t('guidance.ask.settings.composer'),
      value: composer.kind === 'extractive' ? t('guidance.ask.settings.extractive') : t('guidance.ask.settings.model', { model: composer.model, endpoint: composer.endpoint, seconds: String(composer.timeoutMs / 1000) }),
    },
    { key: t('guidance.ask.settings.data'), value: t('guidance.ask.settings.passages', { en: settings.guidance.passages.en.toLocaleString('en-GB'), cy: settings.guidance.passages.cy.toLocaleString('en-GB') }) },
    { key: t('guidance.ask.settings.personalData'), value: named('personalData', settings.inputGuardrails.personalData) },
    { key: t('guidance.ask.settings.jailbreaks'), value: named('jailbreaks', settings.inputGuardrails.jailbreaks) },
    { key: t('guidance.ask.settings.outOfScope'), value: named('outOfScope', settings.inputGuardrails.outOfScope) },
    { key: t('guidance.ask.settings.questionLength'), value: t('guidance.ask.settings.characters', { max: settings.inputGuardrails.maxQuestionLength.toLocaleString('en-GB') }) },
    { key: t('guidance.ask.settings.composition'), value: t('guidance.ask.settings.coverage', { max: String(settings.composition.maxPassages), share: percent(settings.composition.minCoverage) }) },
    { key: t('guidance.ask.settings.output'), value: t('guidance.ask.settings.checks', { share: percent(settings.outputGuardrails.traceableShare), max: settings.outputGuardrails.maxModelAnswerLength.toLocaleString('en-GB') }) },
    { key: t('guidance.ask.settings.rate'), value: t('guidance.ask.settings.perMinute', { count: String(settings.questionsPerMinute) }) },
  ];
}

/**
 * `/ask/transparency`: the record from docs/, headed by the settings this site's assistant runs
 * with, read from its configuration and the pipeline when the page is asked for.
 */
export function registerTransparencyPage(app: FastifyInstance, dependencies: { config: Config; retriever: GuidanceRetriever; questionsPerMinute: number }): void {
  const records = { en: readTransparencyRecord('en'), cy: readTransparencyRecord('cy') };
  app.get('/ask/transparency', async (request, reply) => {
    const record = request.locale === 'cy' ? records.cy : records.en;
    const settings = await readPipelineSettings(dependencies);
    return reply.render(`${VIEWS}/transparency.njk`, { pageTitle: record.title, recordHtml: record.html, recordLang: record.lang, settings: settingsRows(settings, request.t) });
  });
}
