import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { FormsError } from '../forms.errors.ts';
import { formsModule } from '../forms.module.ts';
import { createFormVersions } from './form-versions.ts';

const exampleForm = () => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'every-answer-type.form.json'), 'utf8'));

test('a form is imported live; a draft waits; publishing it archives the old version, which stays readable for people halfway through', async (t) => {
  const kernel = await createTestKernel(t, { modules: [formsModule] });
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const imported = await versions.importForm({ serviceId: 'service-a', definition: exampleForm(), actor: 'operator:cli' });
  const first = await versions.findLive('apply-for-a-fishing-licence');
  assert.equal(first?.versionId, imported.versionId);
  assert.equal(first?.number, 1);

  const changed = exampleForm();
  changed.name.en = 'Apply for a fishing licence (2027)';
  const draftId = await versions.createDraft({ formId: imported.formId, definition: changed, actor: 'operator:cli' });
  assert.equal((await versions.findLive('apply-for-a-fishing-licence'))?.versionId, imported.versionId, 'a draft is not live');
  await versions.publish({ formId: imported.formId, versionId: draftId, actor: 'operator:cli' });
  assert.equal((await versions.findLive('apply-for-a-fishing-licence'))?.definition.name.en, 'Apply for a fishing licence (2027)');
  assert.deepEqual((await versions.listVersions(imported.formId)).map((version) => [version.number, version.status]), [[1, 'archived'], [2, 'live']]);
  assert.equal((await versions.findVersion(imported.versionId))?.definition.name.en, 'Apply for a fishing licence', 'the old version is still there');
  await assert.rejects(versions.publish({ formId: imported.formId, versionId: draftId, actor: 'operator:cli' }), { code: 'forms.VERSION_NOT_DRAFT' });

  const events = await kernel.audit.listRecent({ subject: `form:${imported.formId}` });
  assert.deepEqual(events.map((event) => event.action).sort(), ['forms.version.drafted', 'forms.version.published', 'forms.version.published']);
});

test('attacks: another service cannot take over a slug; a draft cannot change the slug; a broken definition is refused with every problem', async (t) => {
  const kernel = await createTestKernel(t, { modules: [formsModule] });
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const imported = await versions.importForm({ serviceId: 'service-a', definition: exampleForm(), actor: 'operator:cli' });
  await assert.rejects(versions.importForm({ serviceId: 'service-b', definition: exampleForm(), actor: 'operator:cli' }), { code: 'forms.SLUG_TAKEN' });
  const again = await versions.importForm({ serviceId: 'service-a', definition: exampleForm(), actor: 'operator:cli' });
  assert.equal(again.formId, imported.formId, 're-importing is a new version of the same form');

  const moved = exampleForm();
  moved.slug = 'somewhere-else';
  await assert.rejects(versions.createDraft({ formId: imported.formId, definition: moved, actor: 'operator:cli' }), { code: 'forms.INVALID_DEFINITION' });
  const broken = exampleForm();
  broken.pages[0].routes[0].goTo = 'full-name';
  broken.pages[1].answerType = 'signature';
  const error = await versions.importForm({ serviceId: 'service-a', definition: broken, actor: 'operator:cli' }).catch((caught: unknown) => caught);
  assert.ok(error instanceof FormsError);
  assert.deepEqual(error.problems.map((problem) => problem.path), ['pages[1].answerType']);
  await assert.rejects(versions.exportDefinition('no-such-form'), { code: 'forms.FORM_NOT_FOUND' });
});
