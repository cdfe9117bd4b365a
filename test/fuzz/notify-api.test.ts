import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTestService } from '../../src/modules/notify/fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../../src/modules/notify/notify.core-cache.ts';
import {
  asQueryValues,
  badAuthorization,
  checkNotifyAnswer,
  createTally,
  encodeBody,
  extraHeaders,
  fromSchema,
  fuzzRoute,
  jsonContentType,
  mutateObject,
  pathSegment,
  printTally,
  queryString,
  startFuzzApp,
  wrongValue,
  type FuzzRequest,
} from './fuzz-kit.ts';

/** A token as Notify's clients make them from an API key (`<name>-<service id>-<secret>`), for now. */
function tokenFor(key: string, iat = Math.floor(Date.now() / 1000)): string {
  const serviceId = key.slice(-73, -37);
  const secret = key.slice(-36);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iss: serviceId, iat })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const MINIMAL_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF',
).toString('base64');

test("Notify's API v2: no request, valid or mutated, answers 500 or outside Notify's envelope", async (t) => {
  const { app, kernel, routes } = await startFuzzApp(t);
  const core = notifyCoreOf(kernel);
  const service = await createTestService(core, { rateLimit: 1_000_000 });
  const templateIds = [service.templates.email.id, service.templates.sms.id, service.templates.letter.id];
  const keys = [service.keys.live, service.keys.team, service.keys.test];

  // Real notifications to read back.
  const sent: string[] = [];
  for (const [url, body] of [
    ['/v2/notifications/email', { email_address: 'ffion@example.com', template_id: service.templates.email.id, personalisation: { 'first name': 'Ffion', 'reference number': '1', urgent: false } }],
    ['/v2/notifications/sms', { phone_number: '07700 900123', template_id: service.templates.sms.id, personalisation: { code: '123456' } }],
    ['/v2/notifications/letter', { template_id: service.templates.letter.id, personalisation: { address_line_1: 'Ffion Jones', address_line_2: '1 Heol y Pysgod', postcode: 'CF10 1AA', name: 'Ffion' } }],
    ['/v2/notifications/letter', { reference: 'precompiled-1', content: MINIMAL_PDF }],
  ] as const) {
    const response = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokenFor(service.keys.live)}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
    sent.push(response.json().id);
  }

  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...keys).map((key) => `Bearer ${tokenFor(key)}`) },
    { weight: 1, arbitrary: fc.constantFrom(...keys).chain((key) => fc.constantFrom(-31, 31, -100_000, 1e12).map((skew) => `Bearer ${tokenFor(key, Math.floor(Date.now() / 1000) + skew)}`)) },
    { weight: 2, arbitrary: badAuthorization() },
  );

  const personalisationValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }), wrongValue());
  const hints: Record<string, fc.Arbitrary<unknown>> = {
    template_id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...templateIds) }, { weight: 1, arbitrary: fc.uuid() }),
    email_address: fc.oneof({ weight: 4, arbitrary: fc.constant('ffion@example.com') }, fc.constantFrom('ffion@example.com', 'simulate-delivered@notifications.service.gov.uk', 'a@b', 'not an email', 'x@' + 'a'.repeat(300) + '.com'), fc.emailAddress(), fc.string({ maxLength: 30 })),
    phone_number: fc.oneof({ weight: 4, arbitrary: fc.constant('07700 900123') }, fc.constantFrom('07700 900123', '+447700900123', '+1 202 555 0100', '0', '+', '+4477009001231234567890', '07700900000'), fc.string({ maxLength: 20 })),
    personalisation: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record(
          Object.fromEntries(['first name', 'reference number', 'urgent', 'code', 'name', 'address_line_1', 'address_line_2', 'postcode'].map((name) => [name, fc.string({ minLength: 1, maxLength: 20 })])),
        ),
      },
      fc.dictionary(fc.constantFrom('first name', 'reference number', 'urgent', 'code', 'name', 'address_line_1', 'address_line_2', 'address_line_7', 'postcode'), personalisationValue, { maxKeys: 9 }),
      fc.dictionary(fc.string({ maxLength: 12 }), personalisationValue, { maxKeys: 4 }),
    ).map((value) => value as unknown),
    sanitise_content_for: fc.oneof(fc.constant(null), fc.array(fc.constantFrom('first name', 'code', 'x'), { maxLength: 3 })),
  };

  function schemaOf(method: string, url: string, part: 'body' | 'querystring' | 'params') {
    const route = routes.find((candidate) => candidate.method === method && candidate.url === url);
    assert.ok(route, `${method} ${url} is a route`);
    return (route.schema as Record<string, unknown> | undefined)?.[part] as Parameters<typeof fromSchema>[0];
  }

  const validAuthorization = fc.constantFrom(...keys).map((key) => `Bearer ${tokenFor(key)}`);

  /**
   * A third of the requests are valid ones (from the route's schema, a real key, JSON); the rest
   * are mutated in body, bytes, content type, authorization and headers.
   */
  const jsonPost = (path: fc.Arbitrary<string>, valid: fc.Arbitrary<Record<string, unknown>>, how: string): fc.Arbitrary<FuzzRequest> => {
    const clean = fc.record({ url: path, body: valid, auth: validAuthorization }).map(({ url, body, auth }) => ({
      method: 'POST',
      url,
      how: `${how}, valid`,
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: auth },
    }));
    const mutated = fc
      .record({ url: path, body: mutateObject(valid).chain(encodeBody), contentType: jsonContentType(), auth: authorization, extra: extraHeaders() })
      .map(({ url, body, contentType, auth, extra }) => ({
        method: 'POST',
        url,
        how: `${how}, mutated`,
        payload: body,
        headers: { ...extra, ...(contentType === undefined ? {} : { 'content-type': contentType }), ...(auth === undefined ? {} : { authorization: auth }) },
      }));
    return fc.oneof({ weight: 1, arbitrary: clean }, { weight: 2, arbitrary: mutated });
  };

  const get = (path: fc.Arbitrary<string>, how: string): fc.Arbitrary<FuzzRequest> =>
    fc.record({ path, authorization, extra: extraHeaders() }).map(({ path: url, authorization: auth, extra }) => ({
      method: 'GET',
      url,
      how,
      headers: { ...extra, ...(auth === undefined ? {} : { authorization: auth }) },
    }));

  /** The route's own body schema, with its own kind of template most of the time. */
  const bodyFrom = (method: string, url: string, templateIdOfRoute?: string) =>
    fromSchema(schemaOf(method, url, 'body'), {
      ...hints,
      ...(templateIdOfRoute ? { template_id: fc.oneof({ weight: 4, arbitrary: fc.constant(templateIdOfRoute) }, hints.template_id as fc.Arbitrary<unknown>) } : {}),
    }) as fc.Arbitrary<Record<string, unknown>>;

  const letterBody = fc.oneof(
    fc.record({
      template_id: hints.template_id as fc.Arbitrary<unknown>,
      personalisation: fc.oneof(
        fc.record({ address_line_1: fc.string({ maxLength: 30 }), address_line_2: fc.string({ maxLength: 30 }), postcode: fc.constantFrom('CF10 1AA', 'SW1A 1AA', 'nope', ''), name: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }),
        hints.personalisation as fc.Arbitrary<unknown>,
      ),
      reference: fc.string({ maxLength: 40 }),
    }, { requiredKeys: ['template_id', 'personalisation'] }),
    fc.record({
      reference: fc.string({ maxLength: 40 }),
      content: fc.oneof(fc.constant(MINIMAL_PDF), fc.base64String({ maxLength: 200 }), fc.string({ maxLength: 40 }), fc.constant('JVBERi0=')),
      postage: fc.constantFrom('first', 'second', 'economy', 'europe', 'rest-of-world', ''),
    }, { requiredKeys: ['reference', 'content'] }),
  ) as fc.Arbitrary<Record<string, unknown>>;

  const notificationId = pathSegment(sent);
  const templateId = pathSegment(templateIds);
  const listQuery = fc.oneof(
    fromSchema(schemaOf('GET', '/v2/notifications', 'querystring')).map(asQueryValues),
    fc.record({ status: fc.constantFrom('delivered', 'failed', 'sending', 'created', 'pending-virus-check', 'nope'), older_than: fc.constantFrom(...sent) }),
  );

  const models: Record<string, fc.Arbitrary<FuzzRequest>> = {
    'POST /v2/notifications/email': jsonPost(fc.constant('/v2/notifications/email'), bodyFrom('POST', '/v2/notifications/email', service.templates.email.id), 'email from schema'),
    'POST /v2/notifications/sms': jsonPost(fc.constant('/v2/notifications/sms'), bodyFrom('POST', '/v2/notifications/sms', service.templates.sms.id), 'sms from schema'),
    'POST /v2/notifications/letter': jsonPost(fc.constant('/v2/notifications/letter'), letterBody, 'letter or precompiled'),
    'GET /v2/notifications/:notification_id': get(notificationId.map((id) => `/v2/notifications/${id}`), 'notification by id'),
    'GET /v2/notifications/:notification_id/pdf': get(notificationId.map((id) => `/v2/notifications/${id}/pdf`), 'letter pdf'),
    'GET /v2/notifications': get(queryString(listQuery).map((query) => `/v2/notifications${query}`), 'notifications list'),
    'GET /v2/template/:template_id': get(templateId.map((id) => `/v2/template/${id}`), 'template by id'),
    'GET /v2/template/:template_id/version/:version': get(
      fc.tuple(templateId, fc.oneof(fc.constantFrom('1', '2', '0', '-1', '01', '1.5', '99999999999999999999', '1e3', ' 1'), pathSegment())).map(([id, version]) => `/v2/template/${id}/version/${version}`),
      'template version',
    ),
    'GET /v2/templates': get(queryString(fromSchema(schemaOf('GET', '/v2/templates', 'querystring')).map(asQueryValues)).map((query) => `/v2/templates${query}`), 'templates list'),
    'POST /v2/template/:template_id/preview': jsonPost(templateId.map((id) => `/v2/template/${id}/preview`), bodyFrom('POST', '/v2/template/:template_id/preview'), 'template preview'),
    'GET /v2/received-text-messages': get(
      queryString(fromSchema(schemaOf('GET', '/v2/received-text-messages', 'querystring')).map(asQueryValues)).map((query) => `/v2/received-text-messages${query}`),
      'received texts',
    ),
  };

  const declared = routes.filter((route) => route.url.startsWith('/v2/')).map((route) => `${route.method} ${route.url}`);
  assert.deepEqual(declared.filter((route) => !(route in models)), [], 'every Notify v2 route has a fuzz model');

  const tally = createTally();
  t.after(() => printTally('notify api v2', tally));
  for (const [route, requests] of Object.entries(models)) {
    await t.test(route, () => fuzzRoute({ app, tally, route, requests, check: checkNotifyAnswer, numRuns: route.startsWith('POST') ? 150 : 100 }));
  }

  // Any other path under /v2, with any method: Notify's not-found, never a 500.
  await t.test('unknown paths and methods under /v2', () =>
    fuzzRoute({
      app,
      tally,
      route: '* /v2/*',
      numRuns: 80,
      check: checkNotifyAnswer,
      requests: fc
        .record({
          method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
          path: fc.oneof(
            fc.constantFrom(...Object.keys(models).map((route) => route.split(' ')[1] as string)),
            pathSegment().map((segment) => `/v2/${segment}`),
          ),
          authorization,
        })
        .map(({ method, path, authorization: auth }): FuzzRequest => ({ method, url: path.replace(/:[a-z_]+/g, 'x'), how: 'any method, any path', headers: auth === undefined ? {} : { authorization: auth } })),
    }),
  );
});
