import type { Logger } from 'pino';
import type { Config } from '../../../platform/config/config.schema.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Locale, Translate } from '../../../platform/http/i18n.ts';
import type { Metrics } from '../../../platform/metrics/metrics.ts';
import { createOutboundRequester, outboundPolicyOf } from '../../../platform/net/outbound-request.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { createAssistantOutcomeStore } from './assistant-outcome.store.ts';
import { createAssistant, type Composition } from './assistant.ts';
import type { ServiceEventRecorder } from '../../../platform/events/service-events.ts';
import { createModelComposer } from './model-composer.ts';
import { createGuidanceRetriever } from './retrieval.ts';

/**
 * The model the operator configured, if any. Its address may be on the operator's own network
 * (a model it runs), that address and no other: it is the operator's choice, not a team's.
 */
function openModelComposer(config: Config) {
  if (config.ASSISTANT_MODEL_URL === '') return undefined;
  const requester = createOutboundRequester({ ...outboundPolicyOf(config), privateUrlPrefixes: [config.ASSISTANT_MODEL_URL] });
  const settings = { url: config.ASSISTANT_MODEL_URL, apiKey: config.ASSISTANT_MODEL_API_KEY, model: config.ASSISTANT_MODEL_NAME, timeoutMs: config.ASSISTANT_MODEL_TIMEOUT_MS };
  return createModelComposer({ settings, requester });
}

/** Counts and logs which composer answered, when a model is configured: never the question. */
function composerRecorder(dependencies: { logger?: Logger; metrics?: Metrics }) {
  const compositions = dependencies.metrics?.counter({
    name: 'civitas_guidance_assistant_compositions_total',
    help: "The assistant's answers by the composer that wrote them, and why the model's was not used",
    labelNames: ['composer', 'model_failure'],
  });
  return (composition: Composition) => {
    compositions?.inc({ composer: composition.composer, model_failure: composition.modelFailure ?? 'none' });
    dependencies.logger?.info({ composer: composition.composer, modelFailure: composition.modelFailure }, 'assistant answer composed');
  };
}

/** The assistant as configured, and the retriever it reads from: for the module, the evaluation and the benchmark alike. */
export function openAssistant(dependencies: {
  db: Database;
  library: GuidanceLibrary;
  config: Config;
  translations: Record<Locale, Translate>;
  logger?: Logger;
  metrics?: Metrics;
  serviceEvents?: ServiceEventRecorder;
}) {
  const retriever = createGuidanceRetriever(dependencies.library);
  const model = openModelComposer(dependencies.config);
  const assistant = createAssistant({
    db: dependencies.db,
    retriever,
    outcomes: createAssistantOutcomeStore(),
    translations: dependencies.translations,
    baseUrl: dependencies.config.BASE_URL,
    model,
    recordComposition: model ? composerRecorder(dependencies) : undefined,
    ...(dependencies.serviceEvents ? { serviceEvents: dependencies.serviceEvents } : {}),
  });
  return { assistant, retriever };
}
