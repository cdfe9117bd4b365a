import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startWithOperator } from '../../console/teams/console-teams-testing.contract.ts';
import { addOrganisation, createTestRegistry, generateTestKeyPair, OPERATOR, runCommand } from '../testing/exchange-fixtures.ts';
import type { RegistryActor } from '../registry/registry.ts';

const PAGE = '/console/operator/exchange-members';
const ASKER: RegistryActor = { audit: 'console-person:asker', isOperator: false };

type MemberTable = { exchange_member: { id: string; status: string } };

test('an operator sees the organisations waiting to join, approves one and refuses another (each audited as them); the CLI approves through the same registry; a decision made already is said, not repeated; English and Welsh', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const { kernel } = civitas;
  const registry = createTestRegistry(kernel);
  const ask = async (name: string, code: string) => registry.addMember({ organisationId: await addOrganisation(kernel, name), memberClass: 'GOV', memberCode: code, actor: ASKER });
  const riverside = await ask('Riverside Council', 'RC002');
  const hillside = await ask('Hillside Council', 'HC003');
  const byCli = await ask('Lakeside Council', 'LC004');
  const statusOf = async (id: string) => (await kernel.db.withTables<MemberTable>().selectFrom('exchange_member').select('status').where('id', '=', id).executeTakeFirst())?.status;

  const start = await browser.get('/console/operator');
  assert.match(start.html, new RegExp(`href="${PAGE}"[^]*Exchange members`), 'the operators\' start page lists it');
  const page = await browser.get(PAGE);
  assert.equal(page.status, 200);
  assert.match(page.html, /Riverside Council[^]*GB-DEV\/GOV\/RC002[^]*Hillside Council[^]*GB-DEV\/GOV\/HC003/);
  assert.match(page.html, /aria-label="Approve Riverside Council as GB-DEV\/GOV\/RC002"/);

  const decide = async (memberId: string, action: 'approve' | 'refuse', fields: Record<string, string> = {}) => {
    const response = await browser.post({ ...page, url: new URL(`${PAGE}/${memberId}/${action}`, page.url).toString() }, fields);
    return { status: response.status, location: response.headers.get('location'), html: await response.text() };
  };
  assert.deepEqual(await decide(riverside.id, 'approve'), { status: 303, location: `${PAGE}?done=approved`, html: '' });
  assert.match((await browser.get(`${PAGE}?done=approved`)).html, /You have approved the member/);
  assert.equal(await statusOf(riverside.id), 'approved');
  assert.match(page.html, /Reason for refusing Hillside Council \(optional\)/);
  assert.equal((await decide(hillside.id, 'refuse', { reason: 'HC003 is not a code we know' })).location, `${PAGE}?done=refused`);
  assert.match((await browser.get(`${PAGE}?done=refused`)).html, /You have refused the request/);
  assert.equal(await statusOf(hillside.id), 'refused', 'kept as refused, for the organisation to see, until it asks again');

  const again = await decide(riverside.id, 'refuse');
  assert.equal(again.status, 409);
  assert.match(again.html, /govuk-error-summary[^]*decided on that request already/);
  assert.equal(await statusOf(riverside.id), 'approved', 'an approved member is not refused by a replayed or stale form');

  await runCommand(kernel, 'exchange member approve', {}, [byCli.id]);
  assert.equal(await statusOf(byCli.id), 'approved');
  assert.match((await browser.get(PAGE)).html, /No organisation is waiting/);
  assert.match((await browser.get(`${PAGE}?lang=cy`)).html, /Nid oes unrhyw sefydliad yn aros/);

  const events = (await kernel.audit.listRecent({ limit: 100 })).filter((event) => /^exchange\.member\.(approved|refused)$/.test(event.action));
  assert.deepEqual(events.map((event) => event.action).sort(), ['exchange.member.approved', 'exchange.member.approved', 'exchange.member.refused']);
  assert.equal(events.filter((event) => event.actor.startsWith('console-person:')).length, 2, 'the page\'s decisions are the operator\'s');
  assert.equal(events.find((event) => event.action === 'exchange.member.refused')?.details?.identifier, 'GB-DEV/GOV/HC003');
  assert.equal(events.find((event) => event.action === 'exchange.member.refused')?.details?.reason, 'HC003 is not a code we know');
});

test('attacker: only an operator refuses; a reason past 500 characters is an error on its field; a member with a subsystem is not refused away; a malformed id is a 400', async (t) => {
  const { civitas, browser } = await startWithOperator(t);
  const { kernel } = civitas;
  const registry = createTestRegistry(kernel);
  const member = await registry.addMember({ organisationId: await addOrganisation(kernel, 'Riverside Council'), memberClass: 'GOV', memberCode: 'RC002', actor: ASKER });
  await assert.rejects(registry.refuseMember({ memberId: member.id, actor: ASKER }), { code: 'exchange.MEMBER_NOT_PENDING' });
  const before = await browser.get(PAGE);
  const tooLong = await browser.post({ ...before, url: new URL(`${PAGE}/${member.id}/refuse`, before.url).toString() }, { reason: 'x'.repeat(501) });
  assert.equal(tooLong.status, 400);
  const tooLongHtml = await tooLong.text();
  assert.match(tooLongHtml, new RegExp(`govuk-error-summary[^]*href="#reason-${member.id}"[^]*The reason must be 500 characters or fewer`));
  assert.match(tooLongHtml, /x{501}<\/textarea>/, 'what was typed is kept');
  assert.equal((await kernel.audit.listRecent({ limit: 50 })).filter((event) => event.action === 'exchange.member.refused').length, 0);
  // An operator's CLI gave the pending member a subsystem: refusing would orphan it.
  await registry.addSubsystem({ memberId: member.id, subsystemCode: 'blue-badge', publicKeys: generateTestKeyPair().publicPem, actor: OPERATOR });
  const page = await browser.get(PAGE);
  const refused = await browser.post({ ...page, url: new URL(`${PAGE}/${member.id}/refuse`, page.url).toString() }, {});
  assert.equal(refused.status, 409);
  assert.equal((await kernel.db.withTables<MemberTable>().selectFrom('exchange_member').select('status').where('id', '=', member.id).executeTakeFirst())?.status, 'pending');
  const malformed = await browser.post({ ...page, url: new URL(`${PAGE}/not-an-id/approve`, page.url).toString() }, {});
  assert.equal(malformed.status, 400);
});
