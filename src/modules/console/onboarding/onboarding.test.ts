import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import { secretBoxesOf } from '../../../platform/secrets/secret-box.ts';
import { createTestKernel } from '../../../testing/test-kernel.ts';
import { createServiceClients } from '../../identity/identity.contract.ts';
import { createServiceNotify } from '../../notify/notify.contract.ts';
import { createServicePay } from '../../pay/pay.contract.ts';
import { actorOf, CLI_ACTOR, createOrganisations } from '../organisations/organisations.ts';
import { createOnboarding } from './onboarding.ts';

type Component = 'notify_service' | 'pay_account' | 'identity_client';

/** Onboarding whose audit trail refuses to record `failingAction` (as a full disk or a lost connection would). */
async function setUp(t: Parameters<typeof createTestKernel>[0], failingAction?: string) {
  const kernel = await createTestKernel(t);
  const audit: AuditService = {
    ...kernel.audit,
    record: async (event, executor) => {
      if (event.action === failingAction) throw new Error('the audit trail could not be written');
      return kernel.audit.record(event, executor);
    },
  };
  const onboarding = createOnboarding({
    db: kernel.db,
    audit,
    clients: createServiceClients(kernel.db),
    notify: createServiceNotify(kernel),
    pay: createServicePay({ db: kernel.db, config: kernel.config, audit: kernel.audit }),
    secrets: secretBoxesOf(kernel.config).forPurpose('console-one-time-secret'),
  });
  const organisations = createOrganisations({ db: kernel.db, audit: kernel.audit, platform: kernel, baseUrl: 'http://localhost:3000' });
  const { organisation } = await organisations.createOrganisation({ name: 'Department for Fishing', ownerEmail: 'ffion@example.gov.uk', actor: CLI_ACTOR });
  const service = await organisations.createService({ organisationId: organisation.id, name: 'Apply for a fishing licence', actor: CLI_ACTOR });
  const count = async (table: Component) =>
    Number((await kernel.db.withTables<Record<Component, { id?: string }>>().selectFrom(table).select((select) => select.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const events = async (action: string) => (await kernel.audit.search({ action, limit: 100 })).length;
  return { kernel, onboarding, service, count, events };
}

const member = actorOf({ personKey: 'sub-ffion', email: 'ffion@example.gov.uk' });
const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const client = { name: 'Fishing licences', redirectUris: ['https://fishing.example.gov.uk/callback'], publicKey };

for (const failing of ['console.notify-service.created', 'console.pay-account.created', 'console.client.registered']) {
  test(`if recording that the service owns it fails (${failing}), the component is not made either: nothing half-made`, async (t) => {
    const { kernel, onboarding, service, count, events } = await setUp(t, failing);
    const platformServices = await count('notify_service');
    const attempt = {
      'console.notify-service.created': () => onboarding.createNotifyService({ service, actor: member }),
      'console.pay-account.created': () => onboarding.createPayAccount({ service, actor: member }),
      'console.client.registered': () => onboarding.registerClient({ service, client, actor: member }),
    }[failing] as () => Promise<unknown>;
    await assert.rejects(attempt, /the audit trail could not be written/);
    assert.equal(await count('notify_service'), platformServices, 'no Notify service without an owner');
    assert.equal(await count('pay_account'), 0, 'no Pay account without an owner');
    assert.equal(await count('identity_client'), 0, 'no One Login client without an owner');
    assert.equal(await onboarding.notifyServiceOf(service), undefined);
    assert.equal(await onboarding.payAccountOf(service), undefined);
    assert.deepEqual(await onboarding.listClients(service), []);
    for (const action of ['notify.service.created', 'pay.account.created']) assert.equal(await events(action), 0, `${action} is not in the trail`);

    assert.equal(await kernel.audit.search({ action: failing, limit: 1 }).then((found) => found.length), 0);
  });
}

test('two requests making the same service its Notify service and Pay account at once make one of each (the loser keeps nothing)', async (t) => {
  const { onboarding, service, count, events } = await setUp(t);
  const platformServices = await count('notify_service');
  const notify = await Promise.all([1, 2, 3].map(() => onboarding.createNotifyService({ service, actor: member })));
  const pay = await Promise.all([1, 2, 3].map(() => onboarding.createPayAccount({ service, actor: member })));
  assert.equal(new Set(notify).size, 1);
  assert.equal(new Set(pay).size, 1);
  assert.equal(await count('notify_service'), platformServices + 1);
  assert.equal(await count('pay_account'), 1);
  assert.equal(await events('notify.service.created'), 1);
  assert.equal(await events('console.notify-service.created'), 1);
  assert.equal(await events('console.pay-account.created'), 1);
});
