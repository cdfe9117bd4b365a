import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { OPERATOR, runCommand, setUpProviderAndClient } from '../testing/exchange-fixtures.ts';
import { sendSignedCall, startTestProvider, waitForLogRecords } from '../testing/signed-calls.ts';
import { createAgreements } from './agreements.ts';
import { pickFields } from './json-fields.ts';

const refusedWith = (pattern: RegExp) => (error: unknown) => pattern.test((error as Error).message);

test('an agreement is in force only once both sides approve it and until either ends it or it expires; calls follow it', async (t) => {
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded","rate":"enhanced","name":"Ann Example"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { agreementId, providerMember, clientMember, serviceId, client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl, fields: false });
  const call = () => sendSignedCall(app, { path: `/r1/${service}/awards/AB123456C`, client, key: clientKeys[0]! });
  assert.equal(agreementId, undefined);
  assert.match((await call()).body, /no data sharing agreement in force/);

  const drafted = await runCommand(kernel, 'exchange agreement add', {
    provider: providerMember.id,
    consumer: clientMember.id,
    service: serviceId,
    purpose: 'Blue Badge eligibility: whether the person gets the PIP mobility component',
    'lawful-basis': 'public-task',
    'legal-gateway': 'Digital Economy Act 2017, section 35',
    fields: '$.status',
    until: '2099-12-31',
  });
  const id = String(drafted.agreement_id);
  assert.deepEqual(await runCommand(kernel, 'exchange agreement approve', { as: providerMember.id }, [id]), { agreement_id: id, status: 'draft' });
  assert.equal((await call()).headers['x-road-error'], 'Server.ServerProxy.AccessDenied', 'one side is not enough');
  await assert.rejects(runCommand(kernel, 'exchange agreement approve', { as: providerMember.id }, [id]), /approved it already/);
  await assert.rejects(runCommand(kernel, 'exchange agreement approve', { as: 'someone-else' }, [id]), /not a party/);
  assert.deepEqual(await runCommand(kernel, 'exchange agreement approve', { as: clientMember.id }, [id]), { agreement_id: id, status: 'active' });

  const allowed = await call();
  assert.equal(allowed.statusCode, 200, allowed.body);
  assert.deepEqual(allowed.json(), { status: 'awarded' }, 'rate and name are outside the agreement: removed at the gateway');
  const [record] = (await waitForLogRecords(kernel.db, 3)).slice(-1);
  assert.equal(record?.agreement_id, id);

  assert.deepEqual(await runCommand(kernel, 'exchange agreement end', { as: clientMember.id }, [id]), { agreement_id: id, status: 'ended' });
  assert.match((await call()).body, /no data sharing agreement in force/, 'the next call after the end is refused');
  await assert.rejects(runCommand(kernel, 'exchange agreement approve', { as: clientMember.id }, [id]), /only a draft/);
  await assert.rejects(runCommand(kernel, 'exchange agreement end', { as: providerMember.id }, [id]), /ended already/);

  // An agreement made in 2020 for the first half of that year has expired by now.
  const past = createAgreements({ db: kernel.db, audit: kernel.audit, clock: () => new Date('2020-01-01T00:00:00Z') });
  const expired = await past.add({ providerMemberId: providerMember.id, consumerMemberId: clientMember.id, serviceId, purpose: 'A pilot', lawfulBasis: 'public-task', fields: '$.status', until: '2020-06-30', actor: OPERATOR });
  await past.approve(expired, providerMember.id, OPERATOR);
  await past.approve(expired, clientMember.id, OPERATOR);
  assert.match((await call()).body, /no data sharing agreement in force/);
});

test('either side suspends an agreement in force: calls are refused until that side, and only that side, resumes it', async (t) => {
  const provider = await startTestProvider((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"awarded"}'));
  t.after(() => provider.server.close());
  const { app, kernel } = await createTestApp(t);
  const { agreementId, providerMember, clientMember, client, clientKeys, service } = await setUpProviderAndClient(kernel, { baseUrl: provider.baseUrl });
  const id = agreementId!;
  const call = () => sendSignedCall(app, { path: `/r1/${service}/awards/AB123456C`, client, key: clientKeys[0]! });
  assert.equal((await call()).statusCode, 200);

  assert.deepEqual(await runCommand(kernel, 'exchange agreement suspend', { as: providerMember.id }, [id]), { agreement_id: id, status: 'suspended' });
  assert.match((await call()).body, /no data sharing agreement in force/, 'a suspended agreement refuses calls');
  await assert.rejects(runCommand(kernel, 'exchange agreement suspend', { as: clientMember.id }, [id]), /only one in force is suspended/);
  await assert.rejects(runCommand(kernel, 'exchange agreement resume', { as: clientMember.id }, [id]), /only the provider resumes it/, 'the consumer cannot undo the provider\'s suspension');
  await assert.rejects(runCommand(kernel, 'exchange agreement resume', { as: 'someone-else' }, [id]), /not a party/);
  assert.match((await call()).body, /no data sharing agreement in force/);

  assert.deepEqual(await runCommand(kernel, 'exchange agreement resume', { as: providerMember.id }, [id]), { agreement_id: id, status: 'active' });
  assert.equal((await call()).statusCode, 200, 'in force again');
  await assert.rejects(runCommand(kernel, 'exchange agreement resume', { as: providerMember.id }, [id]), /only a suspended one is resumed/, 'a replayed resume changes nothing');

  await runCommand(kernel, 'exchange agreement suspend', { as: clientMember.id }, [id]);
  assert.deepEqual(await runCommand(kernel, 'exchange agreement end', { as: providerMember.id }, [id]), { agreement_id: id, status: 'ended' }, 'a suspended agreement can still be ended by either side');
  await assert.rejects(runCommand(kernel, 'exchange agreement resume', { as: clientMember.id }, [id]), /ended: only a suspended one/);
  assert.match((await call()).body, /no data sharing agreement in force/);

  const events = (await kernel.audit.listRecent({ subject: `exchange-agreement:${id}`, limit: 20 })).reverse();
  assert.deepEqual(events.map((event) => event.action).filter((action) => /suspended|resumed|ended/.test(action)), ['exchange.agreement.suspended', 'exchange.agreement.resumed', 'exchange.agreement.suspended', 'exchange.agreement.ended']);
});

test('drafting refuses what an agreement cannot be', async (t) => {
  const { kernel } = await createTestApp(t);
  const { agreements, providerMember, clientMember, serviceId } = await setUpProviderAndClient(kernel, { baseUrl: 'http://127.0.0.1:9/pip', fields: false });
  const valid = { providerMemberId: providerMember.id, consumerMemberId: clientMember.id, serviceId, purpose: 'Eligibility', lawfulBasis: 'public-task', fields: '$.status', until: '2099-12-31', actor: OPERATOR };
  for (const [change, message] of [
    [{ lawfulBasis: 'because' }, /lawful basis must be one of/],
    [{ fields: '$.nino' }, /not a field the service's answers hold/],
    [{ fields: 'status' }, /not a JSON path/],
    [{ fields: '' }, /Name 1 to 100 fields/],
    [{ until: '2001-01-01' }, /not in the past/],
    [{ until: '31/12/2099' }, /must be a date/],
    [{ purpose: 'two\nlines' }, /purpose/],
    [{ consumerMemberId: providerMember.id }, /different members/],
    [{ providerMemberId: clientMember.id, consumerMemberId: providerMember.id }, /no such service/],
    [{ serviceId: 'nope' }, /no such service/],
  ] as const) {
    await assert.rejects(agreements.add({ ...valid, ...change }), refusedWith(message), JSON.stringify(change));
  }
});

test('fields are cut by JSON path: nested objects, every item of an array, quoted names; nothing else survives', () => {
  const answer = { status: 'awarded', rate: { daily: 'enhanced', mobility: 'standard' }, name: 'Ann', awards: [{ id: 1, note: 'x' }, { id: 2, note: 'y' }, 'odd'], 'odd name': true };
  assert.deepEqual(pickFields(answer, ['$.status']), { status: 'awarded' });
  assert.deepEqual(pickFields(answer, ['$.rate.mobility', '$.awards[*].id', '$["odd name"]']), { rate: { mobility: 'standard' }, awards: [{ id: 1 }, { id: 2 }], 'odd name': true });
  assert.deepEqual(pickFields(answer, ['$.rate']), { rate: { daily: 'enhanced', mobility: 'standard' } });
  assert.deepEqual(pickFields([answer], ['$.status']), {}, 'an array where an object was agreed gives nothing');
  const shape = { known: ['$.status', '$.rate', '$.rate.daily', '$.rate.mobility', '$.extra', '$.tags'], containers: ['$.rate', '$.extra', '$.tags'] };
  const odd = { status: { secret: 1 }, rate: { daily: 'enhanced', mobility: { secret: 2 }, secret: 3 }, extra: { free: 'form' }, tags: ['a'] };
  assert.deepEqual(pickFields(odd, ['$.status', '$.rate', '$.extra', '$.tags'], shape), { rate: { daily: 'enhanced' }, extra: { free: 'form' }, tags: ['a'] }, 'with the shape: only values the schema describes, a single value never an object');
  assert.deepEqual(pickFields({ status: { __proto__: { polluted: true } } }, ['$.status.polluted']), { status: {} });
});
