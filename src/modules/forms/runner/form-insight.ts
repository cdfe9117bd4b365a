import { hash, randomUUID } from 'node:crypto';
import type { ServiceEventRecorder, ServiceEventType } from '../../../platform/events/service-events.ts';
import type { FormVersions } from '../versions/form-versions.ts';

/** Forms' service events for Insight: a journey started, each page reached, a form submitted. */
export type FormInsight = {
  started(formId: string, sessionIdHash: string): Promise<void>;
  pageReached(formId: string, pageId: string, sessionIdHash: string | undefined): Promise<void>;
  submitted(formId: string, sessionIdHash: string): Promise<void>;
};

/** Forms whose service this process has looked up, kept: a form never moves to another service. */
const SERVICES_KEPT = 1_000;
/** A page id as an event step: the same letters, digits and hyphens, lower case, at most 64. */
const stepOf = (pageId: string) => pageId.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 64) || 'page';

/**
 * Records each event against the form's console service (`console-service:ID`), with a journey
 * id derived from the session's key (never the key itself, nor anything the person typed), so
 * one journey's events share it until the person signs in. Recording never fails a page.
 */
export function createFormInsight(dependencies: { serviceEvents: ServiceEventRecorder; versions: Pick<FormVersions, 'findServiceId'>; onRefused(error: unknown): void }): FormInsight {
  const services = new Map<string, string | undefined>();

  async function serviceOf(formId: string): Promise<string | undefined> {
    if (!services.has(formId)) {
      if (services.size >= SERVICES_KEPT) services.clear();
      services.set(formId, await dependencies.versions.findServiceId(formId));
    }
    return services.get(formId);
  }

  async function record(formId: string, type: ServiceEventType, sessionIdHash: string | undefined, step?: string): Promise<void> {
    try {
      const serviceId = await serviceOf(formId);
      if (!serviceId) return;
      const journeyId = sessionIdHash === undefined ? randomUUID() : hash('sha256', `insight-journey:${sessionIdHash}`, 'base64url').slice(0, 32);
      dependencies.serviceEvents.record({ service: `console-service:${serviceId}`, type, journeyId, ...(step ? { step } : {}) });
    } catch (error) {
      dependencies.onRefused(error);
    }
  }

  return {
    started: (formId, sessionIdHash) => record(formId, 'forms.form.started', sessionIdHash),
    pageReached: (formId, pageId, sessionIdHash) => record(formId, 'forms.page.reached', sessionIdHash, stepOf(pageId)),
    submitted: (formId, sessionIdHash) => record(formId, 'forms.form.submitted', sessionIdHash),
  };
}
