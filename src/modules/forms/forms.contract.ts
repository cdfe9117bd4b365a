import type { AuditService } from '../../platform/audit/audit.service.ts';
import type { Database } from '../../platform/db/database.ts';
import type { OutboundPolicy } from '../../platform/net/outbound-request.ts';
import { parseFormDefinition } from './definition/parse-definition.ts';
import { createFormVersions, type FormVersions } from './versions/form-versions.ts';

export type { AnswerType, FormDefinition, FormPage, LocalisedText } from './definition/form-definition.ts';
export type { DefinitionProblem } from './definition/definition-reader.ts';
export { ANSWER_TYPES, FORM_DEFINITION_VERSION } from './definition/form-definition.ts';
export { FormsError, type FormsErrorCode } from './forms.errors.ts';

/** Checks a form definition (format and routing) the way import and publishing do: the problems by JSON path, none if it is good. */
export function checkFormDefinition(input: unknown) {
  return parseFormDefinition(input).problems;
}

/**
 * Forms and their versions (import, drafts, publishing, export), for the console's builder and
 * the CLI. Give `outboundPolicy` (outboundPolicyOf(config)) so a webhook URL is checked as every
 * URL a team gives Civitas to call.
 */
export function openFormVersions(dependencies: { db: Database; audit: AuditService; outboundPolicy?: OutboundPolicy }): FormVersions {
  return createFormVersions(dependencies);
}
