import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import type { Kernel } from '../../../platform/kernel.ts';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createAgreementRequests } from '../../exchange/exchange.contract.ts';
import { setUpProviderAndClient } from '../../exchange/exchange-testing.contract.ts';
import { consoleBrowserOf } from '../console/console-testing.ts';
import { publishPipRecords } from './access-testing.ts';

/**
 * An access request is two rows in two modules: the agreement in Exchange (its own transactions)
 * and the request in the catalogue. A failure between them is injected with a real database
 * trigger that refuses one table's writes, and neither side is left without the other.
 */
const NEXT_YEAR = String(new Date().getUTCFullYear() + 1);

/** Makes the database refuse every `operation` on `table` until the returned function is called. */
async function refuseWrites(kernel: Kernel, table: string, operation: 'INSERT' | 'UPDATE'): Promise<() => Promise<void>> {
  const name = sql.raw(`refuse_${table}_${operation.toLowerCase()}`);
  const target = sql.raw(table);
  if (kernel.config.DATABASE_URL.startsWith('sqlite:')) {
    await sql`CREATE TRIGGER ${name} BEFORE ${sql.raw(operation)} ON ${target} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`.execute(kernel.db);
    return async () => void (await sql`DROP TRIGGER ${name}`.execute(kernel.db));
  }
  await sql`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`.execute(kernel.db);
  await sql`CREATE TRIGGER ${name} BEFORE ${sql.raw(operation)} ON ${target} FOR EACH ROW EXECUTE FUNCTION ${name}()`.execute(kernel.db);
  return async () => {
    await sql`DROP TRIGGER ${name} ON ${target}`.execute(kernel.db);
    await sql`DROP FUNCTION ${name}()`.execute(kernel.db);
  };
}

async function setUp(t: TestContext) {
  const { app, kernel } = await createTestApp(t);
  const exchange = await setUpProviderAndClient(kernel, { baseUrl: 'https://provider.example.gov.uk/pip', grant: false, fields: false });
  await publishPipRecords(kernel, exchange);
  const provider = exchange.providerMember.organisation_id;
  const consumer = exchange.clientMember.organisation_id;
  const askPath = `/console/marketplace/${consumer}/requests/new?${new URLSearchParams({ record: 'pip-awards' })}`;
  const form = { purpose: 'Blue Badge eligibility', lawfulBasis: 'public-task', fields: ['$.status'], 'until-day': '31', 'until-month': '12', 'until-year': NEXT_YEAR, subsystem: exchange.client };
  const agreements = createAgreementRequests({ db: kernel.db, audit: kernel.audit, config: kernel.config });
  const tables = kernel.db.withTables<{ exchange_agreement: { id: string; status: string }; marketplace_access_request: { id: string; status: string; agreement_id: string } }>();
  const readAgreements = () => tables.selectFrom('exchange_agreement').select(['id', 'status']).execute();
  const readRequests = () => tables.selectFrom('marketplace_access_request').select(['id', 'status', 'agreement_id']).execute();
  return { app, kernel, exchange, provider, consumer, askPath, form, agreements, readAgreements, readRequests };
}

test('when the request’s row is not saved, the agreement drafted for it is withdrawn: no draft is left that no request shows', async (t) => {
  const { app, kernel, consumer, askPath, form, readAgreements, readRequests } = await setUp(t);
  const asker = await consoleBrowserOf(app, consumer);
  await asker.send('GET', askPath);
  const restore = await refuseWrites(kernel, 'marketplace_access_request', 'INSERT');
  const failed = await asker.send('POST', askPath, form);
  await restore();
  assert.equal(failed.statusCode, 500);
  assert.doesNotMatch(failed.body, /injected failure|marketplace_access_request|insert into/i, 'nothing of the failure is shown');
  assert.deepEqual(await readRequests(), []);
  const [drafted] = await readAgreements();
  assert.equal(drafted?.status, 'ended', 'the draft was withdrawn');

  const asked = await asker.send('POST', askPath, form);
  assert.equal(asked.statusCode, 303, 'asking again works');
  const [request] = await readRequests();
  assert.equal((await readAgreements()).find((agreement) => agreement.id === request?.agreement_id)?.status, 'draft');
});

test('approving: when the request’s row cannot be decided, the agreement is not approved; when Exchange fails, the row is put back to asked', async (t) => {
  const { app, kernel, provider, consumer, askPath, form, agreements, readAgreements, readRequests } = await setUp(t);
  const asker = await consoleBrowserOf(app, consumer);
  const requestId = (await asker.send('POST', askPath, form)).headers.location!.split('/').pop()!;
  const review = `/console/marketplace/${provider}/requests/${requestId}`;
  const reviewer = await consoleBrowserOf(app, provider);
  await reviewer.send('GET', review);

  let restore = await refuseWrites(kernel, 'marketplace_access_request', 'UPDATE');
  assert.equal((await reviewer.send('POST', `${review}/approve`)).statusCode, 500);
  await restore();
  assert.equal((await readAgreements())[0]?.status, 'draft', 'the agreement was not approved');
  assert.equal((await readRequests())[0]?.status, 'asked');
  assert.equal((await agreements.find((await readRequests())[0]!.agreement_id, provider, 'provider')).providerApproved, false);

  restore = await refuseWrites(kernel, 'exchange_agreement', 'UPDATE');
  assert.equal((await reviewer.send('POST', `${review}/approve`)).statusCode, 500);
  await restore();
  assert.equal((await readRequests())[0]?.status, 'asked', 'Exchange failed: the request is asked again, not approved');
  assert.equal((await readAgreements())[0]?.status, 'draft');
  assert.match((await reviewer.send('GET', review)).body, /action="[^"]*\/approve"/, 'and may still be decided');

  restore = await refuseWrites(kernel, 'exchange_agreement', 'UPDATE');
  assert.equal((await reviewer.send('POST', `${review}/refuse`, { reason: 'No lawful gateway' })).statusCode, 500);
  await restore();
  assert.equal((await readRequests())[0]?.status, 'asked', 'a refusal Exchange did not record is not kept either');

  assert.equal((await reviewer.send('POST', `${review}/approve`)).statusCode, 303);
  assert.equal((await readRequests())[0]?.status, 'approved');
  assert.equal((await readAgreements())[0]?.status, 'active');
});
