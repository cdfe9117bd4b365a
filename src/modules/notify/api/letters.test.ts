import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createTestService } from '../fixtures/notify-fixtures.ts';
import { notifyCoreOf } from '../notify.core-cache.ts';
import { countPdfPages, LETTER_MAX_CHARACTERS } from '../templates/render-letter.ts';

async function authorizationFor(key: string): Promise<string> {
  const token = await new SignJWT({ iss: key.slice(-73, -37) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .sign(new TextEncoder().encode(key.slice(-36)));
  return `Bearer ${token}`;
}

async function startLetters(t: Parameters<typeof createTestApp>[0]) {
  const { app, kernel } = await createTestApp(t);
  const service = await createTestService(notifyCoreOf(kernel));
  const authorization = await authorizationFor(service.keys.live);
  const sendLetter = (personalisation: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/v2/notifications/letter',
      headers: { authorization, 'content-type': 'application/json' },
      payload: { template_id: service.templates.letter.id, personalisation },
    });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization } });
  const countStored = async () => ((await get('/v2/notifications?template_type=letter')).json().notifications as unknown[]).length;
  return { sendLetter, get, countStored };
}

const validation = (message: string) => ({ status_code: 400, errors: [{ error: 'ValidationError', message }] });

test('a letter whose address has line breaks inside its values is read as Notify reads it, each break a line', async (t) => {
  const { sendLetter, get } = await startLetters(t);
  const sent = await sendLetter({ address_line_1: 'Ffion Jones\nFlat 2', address_line_2: '1 High Street ,\r\nCardiff,', postcode: 'cf101aa', name: 'Ffion' });
  assert.equal(sent.statusCode, 201, sent.body);
  const pdf = await get(`/v2/notifications/${sent.json().id}/pdf`);
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');

  // Seven lines in all, however they are spread over the values: accepted.
  const seven = await sendLetter({ address_line_1: 'A\nB\nC', address_line_2: 'D\nE', address_line_3: 'F', postcode: 'SW1A 1AA', name: 'A' });
  assert.equal(seven.statusCode, 201, seven.body);
});

test("bad letter addresses are refused with Notify's ValidationError, and nothing is stored", async (t) => {
  const { sendLetter, countStored } = await startLetters(t);
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['eight lines hidden in three values', { address_line_1: 'A\nB\nC', address_line_2: 'D\nE\u2028F', address_line_3: 'G\vH', postcode: 'SW1A 1AA' }, 'Address must be no more than 7 lines'],
    ['line breaks alone are no lines', { address_line_1: 'A\n\n\r\n', address_line_2: ' , ', postcode: 'SW1A 1AA' }, 'Address must be at least 3 lines'],
    ['a first line with no letter or digit', { address_line_1: '--', address_line_2: 'B', postcode: 'SW1A 1AA' }, 'The first 2 lines of the address must both include at least one alphanumeric character'],
    ['no postcode', { address_line_1: 'A', address_line_2: 'B', postcode: 'Cardiff' }, 'Must be a real UK postcode'],
    ['a line starting with <', { address_line_1: 'A', address_line_2: '<script>', postcode: 'SW1A 1AA' }, 'Address lines must not start with any of the following characters: @ ( ) = [ ] ” \\ / , < >'],
    ['no fixed abode', { address_line_1: 'A', address_line_2: 'No fixed abode', postcode: 'SW1A 1AA' }, 'Must be a real address'],
    ['a line of 100,000 characters', { address_line_1: 'x'.repeat(100_000), address_line_2: 'B', postcode: 'SW1A 1AA' }, 'Address lines must be 255 characters or fewer'],
    ['a line of 100,000 characters with spaces', { address_line_1: 'A', address_line_2: 'ab '.repeat(33_000), postcode: 'SW1A 1AA' }, 'Address lines must be 255 characters or fewer'],
  ];
  for (const [name, address, message] of refusals) {
    const response = await sendLetter({ ...address, name: 'A' });
    assert.equal(response.statusCode, 400, name);
    assert.deepEqual(response.json(), validation(message), name);
  }
  // 255 characters is allowed.
  assert.equal((await sendLetter({ address_line_1: 'x'.repeat(255), address_line_2: 'B', postcode: 'SW1A 1AA', name: 'A' })).statusCode, 201);
  assert.equal(await countStored(), 1);
});

test('a letter too long to print is refused when sent, in the words Notify uses for long text messages', async (t) => {
  const { sendLetter, countStored } = await startLetters(t);
  const address = { address_line_1: 'A', address_line_2: 'B', postcode: 'SW1A 1AA' };
  const response = await sendLetter({ ...address, name: 'y'.repeat(200_000) });
  assert.equal(response.statusCode, 400);
  const [problem] = response.json().errors as Array<{ error: string; message: string }>;
  assert.equal(problem?.error, 'BadRequestError');
  assert.match(problem?.message ?? '', new RegExp(`^Your message is too long\\. Letters cannot be longer than ${LETTER_MAX_CHARACTERS} characters\\. Your message is \\d+ characters long\\.$`));
  assert.equal(await countStored(), 0);
});

test('a letter with one very long word, or too many pages to print, never stalls the process; its PDF is refused as Notify refuses one not ready', async (t) => {
  const { sendLetter, get } = await startLetters(t);
  const address = { address_line_1: 'A', address_line_2: 'B', postcode: 'SW1A 1AA' };

  // A word of 5,000 characters is cut to fit the lines: the letter prints on two pages.
  const longWord = await sendLetter({ ...address, name: 'y'.repeat(5_000) });
  assert.equal(longWord.statusCode, 201);
  const pdf = await get(`/v2/notifications/${longWord.json().id}/pdf`);
  assert.equal(pdf.statusCode, 200);
  assert.ok(countPdfPages(pdf.rawPayload) >= 2);

  // Within the character limit but far more than 10 pages (one character a line): accepted, as
  // Notify accepts it, and its PDF is never made.
  const manyLines = await sendLetter({ ...address, name: 'a\n'.repeat(70_000) });
  assert.equal(manyLines.statusCode, 201);
  const refused = await get(`/v2/notifications/${manyLines.json().id}/pdf`);
  assert.equal(refused.statusCode, 400);
  assert.deepEqual(refused.json(), { status_code: 400, errors: [{ error: 'PDFNotReadyError', message: 'PDF not available yet, try again later' }] });

  // One word as long as the limit allows.
  const longest = await sendLetter({ ...address, name: 'z'.repeat(LETTER_MAX_CHARACTERS - 200) });
  assert.equal(longest.statusCode, 201);
  assert.equal((await get(`/v2/notifications/${longest.json().id}/pdf`)).statusCode, 400);
});
