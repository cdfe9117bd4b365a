import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { modules as allModules } from '../../../app.ts';
import { englishCatalogueRuns, findEnglish } from '../../../testing/english-in-welsh.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { browserOf } from '../testing/console-browser.ts';
import { addOrganisation, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, waitForLogRecords } from '../testing/signed-calls.ts';

type PayloadTable = { exchange_payload: { side: string; subsystem_id: string } };

async function setUp(t: TestContext) {
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded","rate":"enhanced"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const world = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl });
  const [row] = await kernel.db.withTables<{ exchange_subsystem: { id: string; member_id: string } }>().selectFrom('exchange_subsystem').select('id').where('member_id', '=', world.clientMember.id).execute();
  assert.ok(row);
  const payloadsPath = `/console/exchange/${world.clientMember.organisation_id}/subsystems/${row.id}/payloads`;
  const call = () => sendSignedCall(app, { method: 'POST', path: `/r1/${world.service}/awards/AB123456C`, client: world.client, key: world.clientKeys[0]!, body: '{"why":"badge"}' });
  const keptRows = () => kernel.db.withTables<PayloadTable>().selectFrom('exchange_payload').select(['side', 'subsystem_id']).execute();
  const auditActions = async () => (await kernel.audit.listRecent({ limit: 200 })).filter((event) => event.action.startsWith('exchange.payloads.'));
  return { app, kernel, world, subsystemId: row.id, payloadsPath, call, keptRows, auditActions };
}

test("an owner turns keeping a subsystem's payloads on from its member's Exchange page, then off; the next call follows; errors on the form; Welsh", async (t) => {
  const { app, kernel, world, payloadsPath, call, keptRows, auditActions } = await setUp(t);
  const { member, send } = await browserOf(app, world.clientMember.organisation_id);

  const overview = await send('GET', `/console/exchange/${world.clientMember.organisation_id}`);
  assert.ok(overview.body.includes(`href="${payloadsPath}"`), "the overview links to each subsystem's payloads");
  const page = await send('GET', payloadsPath);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Payloads of GB-DEV\/GOV\/RC002\/blue-badge[^]*Not kept/);

  const unchosen = await send('POST', payloadsPath, {});
  assert.equal(unchosen.statusCode, 400);
  assert.match(unchosen.body, /govuk-error-summary[^]*href="#keep"[^]*Select whether to keep the payloads/);
  for (const days of ['', '0', '2558', 'ten', '1.5', '-4', 'x'.repeat(5000)]) {
    const refused = await send('POST', payloadsPath, { keep: 'on', days });
    assert.equal(refused.statusCode, 400, days);
    assert.match(refused.body, /govuk-error-summary[^]*href="#days"[^]*Enter the days as a whole number from 1 to 2557/);
  }
  assert.equal((await send('POST', payloadsPath, { keep: 'sometimes' })).statusCode, 400);
  assert.deepEqual(await auditActions(), [], 'nothing changed, nothing audited');

  const saved = await send('POST', payloadsPath, { keep: 'on', days: ' 90 ' });
  assert.equal(saved.statusCode, 303);
  assert.equal(saved.headers.location, `${payloadsPath}?done=saved`);
  assert.match((await send('GET', `${payloadsPath}?done=saved`)).body, /kept for 90 days, from the next call[^]*Kept for 90 days/);
  assert.equal((await call()).statusCode, 200);
  await waitForLogRecords(kernel.db, 1);
  assert.deepEqual((await keptRows()).map((row) => row.side), ['client']);

  const welsh = await send('GET', `${payloadsPath}?lang=cy`);
  assert.match(welsh.body, /Cynnwys galwadau GB-DEV\/GOV\/RC002\/blue-badge[^]*Yn cael ei gadw am 90 diwrnod/);
  const welshError = await send('POST', `${payloadsPath}?lang=cy`, { keep: 'on', days: '0' });
  assert.match(welshError.body, /Rhowch nifer y diwrnodau fel rhif cyfan rhwng 1 a 2557/);
  const catalogueRuns = englishCatalogueRuns(allModules);
  for (const [what, body] of [['the page', welsh.body], ['its error', welshError.body]] as const) {
    assert.deepEqual(findEnglish(body, { catalogueRuns, names: ['GB-DEV/GOV/RC002/blue-badge', 'Riverside Council'] }), [], `${what} in Welsh holds no English`);
  }

  assert.equal((await send('POST', payloadsPath, { keep: 'off', days: '90' })).statusCode, 303);
  assert.match((await send('GET', `${payloadsPath}?done=saved&lang=en`)).body, /are not kept[^]*Not kept/);
  assert.equal((await call()).statusCode, 200);
  await waitForLogRecords(kernel.db, 2);
  assert.equal((await keptRows()).length, 1, 'off from the next call; what was kept stays for its days');

  const events = await auditActions();
  assert.deepEqual(events.map((event) => event.action).sort(), ['exchange.payloads.keeping-started', 'exchange.payloads.keeping-stopped']);
  assert.ok(events.every((event) => event.actor === member.actor), 'audited as the person');
  // The same form sent again: nothing changes, nothing more is audited.
  assert.equal((await send('POST', payloadsPath, { keep: 'off' })).statusCode, 303);
  assert.equal((await auditActions()).length, 2);
});

test("attacker: another organisation gets 404 for a subsystem not its own, even under its own path; a viewer reads but cannot change it; malformed ids are refused", async (t) => {
  const { app, kernel, world, subsystemId, payloadsPath, auditActions } = await setUp(t);
  const other = await browserOf(app, world.providerMember.organisation_id);
  assert.equal((await other.send('GET', payloadsPath)).statusCode, 404);
  assert.equal((await other.send('POST', payloadsPath, { keep: 'on', days: '30' })).statusCode, 404);
  const ownPath = `/console/exchange/${world.providerMember.organisation_id}/subsystems/${subsystemId}/payloads`;
  assert.equal((await other.send('GET', ownPath)).statusCode, 404, "another member's subsystem id under its own organisation");
  assert.equal((await other.send('POST', ownPath, { keep: 'on', days: '30' })).statusCode, 404);
  // An organisation that is not a member at all.
  const stranger = await browserOf(app, await addOrganisation(kernel, 'Hillside Council'));
  assert.equal((await stranger.send('POST', payloadsPath, { keep: 'on', days: '30' })).statusCode, 404);

  const viewer = await browserOf(app, world.clientMember.organisation_id, 'viewer');
  const read = await viewer.send('GET', payloadsPath);
  assert.equal(read.statusCode, 200);
  assert.match(read.body, /Not kept/);
  assert.doesNotMatch(read.body, /<form method="post"/, 'no form for a viewer');
  assert.equal((await viewer.send('POST', payloadsPath, { keep: 'on', days: '30' })).statusCode, 403);
  assert.deepEqual(await auditActions(), []);

  const owner = await browserOf(app, world.clientMember.organisation_id);
  assert.equal((await owner.send('GET', `/console/exchange/${world.clientMember.organisation_id}/subsystems/not-an-id/payloads`)).statusCode, 400);
  assert.equal((await owner.send('GET', `/console/exchange/${world.clientMember.organisation_id}/subsystems/${crypto.randomUUID()}/payloads`)).statusCode, 404);
});
