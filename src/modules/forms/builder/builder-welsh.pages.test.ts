import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modules as allModules } from '../../../app.ts';
import { createWelshWalk } from '../../../testing/english-in-welsh.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { ANSWER_TYPES } from '../definition/form-definition.ts';
import { builderBrowserOf, createBuilderTeam } from './builder.test-kit.ts';

test('every builder page in Welsh, with its errors and a refused publish, shows no English', async (t) => {
  const { app } = await createTestApp(t);
  const team = await createBuilderTeam(app);
  const owner = await builderBrowserOf(app, team);
  // 'help' is Welsh too: the runner's confirmation asks 'Os oes angen help arnoch'.
  const walk = createWelshWalk(allModules, { names: ['Apply for a fishing licence', 'Department for Fishing', 'PDF', 'JPG', 'PNG', 'DOCX', 'XLSX', 'ODT', 'CSV', 'TXT', 'MB', 'eligible', 'not-eligible', 'none', 'Os oes angen help arnoch'] });
  const visit = async (method: 'GET' | 'POST', url: string, fields: Record<string, string> = {}) => {
    const response = await owner.send(method, `${url}${url.includes('?') ? '&' : '?'}lang=cy`, fields);
    assert.ok(response.statusCode < 500, `${method} ${url}: ${response.statusCode}`);
    if (response.statusCode !== 303) walk.check(response.body, `${method} ${url}`);
    return response;
  };
  await visit('GET', `/console/forms/${team.organisationId}`);
  await visit('GET', team.servicePath);
  await visit('GET', `${team.servicePath}/new`);
  await visit('POST', `${team.servicePath}/new`, { name: '', slug: 'Dim' });
  const created = await visit('POST', `${team.servicePath}/new`, { name: 'Trwydded bysgota', slug: 'trwydded' });
  const formPath = created.headers.location!.split('?')[0]!;
  await visit('GET', `${formPath}?done=created`);
  await visit('POST', `${formPath}/publish`);
  await visit('GET', `${formPath}/pages/new`);
  await visit('POST', `${formPath}/pages/new`, {});
  for (const type of ANSWER_TYPES) {
    await visit('GET', `${formPath}/pages/new/${type}`);
    await visit('POST', `${formPath}/pages/new/${type}`, { question: '' });
  }
  await visit('POST', `${formPath}/pages/new/selection`, { question: 'Pa drwydded?', options: 'Gwialen\nRhwyd' });
  await visit('POST', `${formPath}/pages/new/text`, { question: 'Beth yw eich enw?' });
  await visit('POST', `${formPath}/pages/new/text`, { question: 'Ble rydych chi’n pysgota?' });
  await visit('GET', `${formPath}/pages/pa-drwydded`);
  await visit('GET', `${formPath}/pages/pa-drwydded/preview`);
  await visit('GET', `${formPath}/pages/pa-drwydded/routes`);
  await visit('POST', `${formPath}/pages/pa-drwydded/routes`, { 'route-0': 'beth-yw-eich-enw' });
  await visit('GET', `${formPath}/pages/beth-yw-eich-enw/delete`);
  await visit('GET', `${formPath}/exit-pages/new`);
  await visit('POST', `${formPath}/exit-pages/new`, { heading: '' });
  await visit('POST', `${formPath}/exit-pages/new`, { heading: 'Ni allwch wneud cais', body: 'Mae’n ddrwg gennym.' });
  const exitId = /exit-pages\/(exit-[a-z0-9-]+)"/.exec((await owner.send('GET', formPath)).body)![1]!;
  await visit('GET', `${formPath}/exit-pages/${exitId}`);
  await visit('GET', `${formPath}/exit-pages/${exitId}/preview`);
  await visit('GET', `${formPath}/settings`);
  await visit('POST', `${formPath}/settings`, { name: 'Trwydded bysgota', privacyUrl: 'http://dim', referenceFormat: 'AB', paymentAmount: 'deg', webhookUrl: 'ftp://dim', retentionDays: 'deg' });
  await visit('POST', `${formPath}/publish`);
  await visit('POST', `${formPath}/settings`, { name: 'Trwydded bysgota', whatHappensNext: 'Byddwn yn ateb.', privacyUrl: 'https://example.gov.uk/preifatrwydd' });
  await visit('GET', `${formPath}/preview/check-answers`);
  await visit('GET', `${formPath}/preview/confirmation`);
  await visit('POST', `${formPath}/pages/pa-drwydded/routes`, { 'route-0': 'check-answers' });
  await visit('POST', `${formPath}/publish`);
  await visit('GET', `${formPath}?done=published`);
  await visit('GET', team.servicePath);
  await visit('GET', `/console/forms/${team.organisationId}`);
  assert.ok(walk.pagesChecked > 40, `${walk.pagesChecked} pages`);
  assert.equal(walk.report(), '');
  const control = createWelshWalk(allModules);
  control.check((await owner.send('GET', `${formPath}/settings?lang=en`)).body, 'the English settings page');
  assert.notEqual(control.report(), '', 'the walk finds English where there is some');
});
