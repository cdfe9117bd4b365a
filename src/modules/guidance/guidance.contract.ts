import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Database } from '../../platform/db/database.ts';
import { createGuidanceLibrary } from './content/guidance-library.ts';
import { createGuidanceStore } from './content/guidance.store.ts';

export type { PageContent, PageDraft, PageType, GuidePart, Step, StepLogic } from './content/guidance-content.ts';
export type { PageSummary, PageVersion, PublishedPage, SaveOutcome, VersionSummary, GuidanceLibrary } from './content/guidance-library.ts';

/**
 * What other modules (the assistant, the console's authoring pages, Insight) use of guidance:
 * the library of pages and their versions, on the kernel's database and audit trail.
 */
export function openGuidanceLibrary(dependencies: { db: Database; audit: AuditService }) {
  return createGuidanceLibrary({ db: dependencies.db, audit: dependencies.audit, store: createGuidanceStore() });
}
