import { once } from 'node:events';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { hugeString, startFuzzApp, type FuzzApp } from './fuzz-kit.ts';

/** What the page fuzz tests share: a listening app, cookies, forms and their encodings. */

export async function findFreePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Cookies as a browser keeps them, for requests sent with app.inject. */
export function createCookieJar() {
  const cookies = new Map<string, string>();
  return {
    keep(response: LightMyRequestResponse) {
      for (const cookie of response.cookies) {
        if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) cookies.delete(cookie.name);
        else cookies.set(cookie.name, cookie.value);
      }
    },
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    clear: () => cookies.clear(),
    cookies,
  };
}

/** What a form page carries that its POST must send back: the CSRF token and hidden fields (the journey). */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1];
    if (name && value !== undefined) fields[name] = value.replaceAll('&amp;', '&');
  }
  return fields;
}

export const FIELD_NAMES = ['email', 'password', 'code', 'phone', 'method', 'started', 'response', 'new-password', 'current-password', 'details', 'confirm', 'choice', 'next'];

/** A form's fields: real names and values mostly, and every kind of wrong one. */
export function formFields(valid: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Array<[string, string]>> {
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: hugeString().map((text) => text.slice(0, 5000)) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '%', '<script>', '((x))', '__proto__', '0'.repeat(1025)) },
  );
  const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '_csrf', 'journey', 'email[]', 'a[b]')) });
  const validPairs = fc.record(valid, { requiredKeys: [] }).map((record) => Object.entries(record) as Array<[string, string]>);
  return fc
    .tuple(validPairs, fc.array(fc.tuple(name, value), { maxLength: 4 }), fc.boolean())
    .map(([real, extra, duplicate]) => {
      const pairs = [...real, ...extra];
      // A name given twice arrives as an array: the schema of every form must refuse it, not a handler.
      if (duplicate && pairs.length > 0) pairs.push([pairs[0]?.[0] as string, 'second']);
      return pairs;
    });
}

export const ENCODINGS = ['form', 'form', 'form', 'form', 'json', 'multipart', 'text', 'none', 'bytes'] as const;

export function encodeForm(pairs: Array<[string, string]>, encoding: (typeof ENCODINGS)[number]): { payload?: string | Buffer; contentType?: string } {
  const form = new URLSearchParams(pairs).toString();
  switch (encoding) {
    case 'form':
      return { payload: form, contentType: 'application/x-www-form-urlencoded' };
    case 'json':
      return { payload: JSON.stringify(Object.fromEntries(pairs)), contentType: 'application/json' };
    case 'multipart':
      return { payload: `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n`, contentType: 'multipart/form-data; boundary=x' };
    case 'text':
      return { payload: form, contentType: 'text/plain' };
    case 'bytes':
      return { payload: Buffer.concat([Buffer.from(`${form}&x=`), Buffer.from([0xc3, 0x28, 0xff, 0x25])]), contentType: 'application/x-www-form-urlencoded' };
    default:
      return {};
  }
}

/** The app listening on a port of its own, BASE_URL its address, as a browser and the provider's own clients reach it. */
export async function startListeningFuzzApp(t: Pick<TestContext, 'after'>): Promise<FuzzApp & { baseUrl: string; host: string }> {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = await startFuzzApp(t, { environment: { BASE_URL: baseUrl, PORT: String(port) } });
  await started.app.listen({ port, host: '127.0.0.1' });
  return { ...started, baseUrl, host: `127.0.0.1:${port}` };
}
