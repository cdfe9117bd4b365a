import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CivitasModule } from '../module.ts';
import { createTestApp } from '../../testing/test-kernel.ts';
import { DatabaseUnavailableError } from '../db/database-unavailable.ts';
import { CivitasError } from './errors.ts';

const failingModule: CivitasModule = {
  name: 'failing-fixture',
  async plugin(app: FastifyInstance) {
    app.get('/fixture/crash', async () => {
      throw new Error('connection to 10.0.0.5 failed for alice@example.com');
    });
    app.get('/fixture/database-down', async () => {
      throw new DatabaseUnavailableError({ cause: new Error('connect ECONNREFUSED 10.0.0.5:5432') });
    });
    app.get('/fixture/refused', async () => {
      throw new CivitasError({ code: 'THING_LOCKED', statusCode: 409, message: 'The thing is locked' });
    });
    app.post(
      '/fixture/validated',
      {
        config: { csrf: false },
        schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
      },
      async () => ({ ok: true }),
    );
  },
};

test('unknown paths get a GOV.UK "Page not found" page, or JSON for API clients', async (t) => {
  const { app } = await createTestApp(t);
  const page = await app.inject({ method: 'GET', url: '/no/such/page', headers: { accept: 'text/html' } });
  assert.equal(page.statusCode, 404);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  assert.match(page.body, /<title>Page not found - Civitas<\/title>/);
  assert.match(page.body, /govuk-heading-l">Page not found</);

  const welsh = await app.inject({ method: 'GET', url: '/no/such/page?lang=cy', headers: { accept: 'text/html' } });
  assert.match(welsh.body, /Heb ddod o hyd i&#39;r dudalen/);

  const json = await app.inject({ method: 'GET', url: '/no/such/api', headers: { accept: 'application/json' } });
  assert.equal(json.statusCode, 404);
  assert.deepEqual(json.json(), { statusCode: 404, error: 'NOT_FOUND', message: 'Not found' });
});

test('an unexpected error shows the problem page with a reference, never its internals', async (t) => {
  const { app } = await createTestApp(t, { modules: [failingModule] });
  const page = await app.inject({ method: 'GET', url: '/fixture/crash', headers: { accept: 'text/html' } });
  assert.equal(page.statusCode, 500);
  assert.match(page.body, /Sorry, there is a problem with the service/);
  assert.ok(page.body.includes(page.headers['x-request-id'] as string), 'shows the request id as a reference');
  assert.doesNotMatch(page.body, /10\.0\.0\.5|alice@example\.com|Error:/);

  const json = await app.inject({ method: 'GET', url: '/fixture/crash' });
  assert.equal(json.statusCode, 500);
  assert.equal(json.json().error, 'INTERNAL_ERROR');
  assert.doesNotMatch(json.body, /10\.0\.0\.5|alice@example\.com|stack/);
});

test('typed errors keep their status and stable code; schema violations are 400', async (t) => {
  const { app } = await createTestApp(t, { modules: [failingModule] });
  const refused = await app.inject({ method: 'GET', url: '/fixture/refused' });
  assert.equal(refused.statusCode, 409);
  assert.deepEqual(refused.json(), { statusCode: 409, error: 'THING_LOCKED', message: 'The thing is locked' });

  const invalid = await app.inject({ method: 'POST', url: '/fixture/validated', payload: { nom: 'x' } });
  assert.equal(invalid.statusCode, 400);
  assert.equal(invalid.json().error, 'FST_ERR_VALIDATION');

  const malformed = await app.inject({
    method: 'POST',
    url: '/fixture/validated',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":',
  });
  assert.equal(malformed.statusCode, 400);
});

test('the database unavailable answers 503 with Retry-After: "Sorry, the service is unavailable" for people, JSON for APIs', async (t) => {
  const { app } = await createTestApp(t, { modules: [failingModule] });
  const page = await app.inject({ method: 'GET', url: '/fixture/database-down', headers: { accept: 'text/html' } });
  assert.equal(page.statusCode, 503);
  assert.equal(page.headers['retry-after'], '5');
  assert.match(page.body, /<title>Sorry, the service is unavailable - Civitas<\/title>/);
  assert.match(page.body, /You will be able to use the service later\./);
  assert.doesNotMatch(page.body, /10\.0\.0\.5|ECONNREFUSED/);

  const welsh = await app.inject({ method: 'GET', url: '/fixture/database-down?lang=cy', headers: { accept: 'text/html' } });
  assert.match(welsh.body, /nid yw&#39;r gwasanaeth ar gael/);

  const json = await app.inject({ method: 'GET', url: '/fixture/database-down', headers: { accept: 'application/json' } });
  assert.equal(json.statusCode, 503);
  assert.equal(json.headers['retry-after'], '5');
  assert.deepEqual(json.json(), { statusCode: 503, error: 'SERVICE_UNAVAILABLE', message: 'Sorry, the service is unavailable. Try again later.' });
});
