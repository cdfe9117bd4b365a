import type { Config } from '../../../platform/config/config.schema.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { createAssistantOutcomeStore } from './assistant-outcome.store.ts';
import { createAssistant } from './assistant.ts';
import { createGuidanceRetriever } from './retrieval.ts';

/** The assistant as configured, and the retriever it reads from: for the module, the evaluation and the benchmark alike. */
export function openAssistant(dependencies: { db: Database; library: GuidanceLibrary; config: Config; translations: Record<Locale, Translate> }) {
  const retriever = createGuidanceRetriever(dependencies.library);
  const assistant = createAssistant({
    db: dependencies.db,
    retriever,
    outcomes: createAssistantOutcomeStore(),
    translations: dependencies.translations,
    baseUrl: dependencies.config.BASE_URL,
  });
  return { assistant, retriever };
}
