import type { TestContext } from 'node:test';
import type { TestEnvironment } from '../../../testing/test-kernel.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createFormVersions } from '../versions/form-versions.ts';
import { bilingualForm, both, Visitor } from '../runner/runner.test-kit.ts';

export const DOCUMENT_FORM = '/forms/send-a-document';
export const DOCUMENT_PAGE = `${DOCUMENT_FORM}/pages/document`;

/** A form of one required file question taking every kind of file up to 1 MB, in English and Welsh. */
export function documentForm() {
  return bilingualForm({
    slug: 'send-a-document',
    name: both('Send a document', 'Anfon dogfen'),
    settings: { submissionEmail: 'documents-team@example.gov.uk', referenceFormat: 'DOC-######', retentionDays: 7 },
    pages: [{ id: 'document', answerType: 'file', question: both('Upload your document', 'Uwchlwythwch eich dogfen'), settings: { maxSizeMb: 1 } }],
  });
}

export async function createDocumentFormApp(t: Pick<TestContext, 'after'>, environment: TestEnvironment = {}) {
  const { app, kernel } = await createTestApp(t, { environment });
  const { formId } = await createFormVersions({ db: kernel.db, audit: kernel.audit }).importForm({ serviceId: 'service-a', definition: documentForm(), actor: 'operator:test' });
  const person = new Visitor(app);
  await person.get(DOCUMENT_PAGE);
  return { app, kernel, formId, person };
}
