import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { createSigner, httpbis } from 'http-message-signatures';
import type { Database } from '../../../platform/db/database.ts';
import { createMessageLogStore } from '../message-log/message-log.store.ts';
import type { TestKeyPair } from './exchange-fixtures.ts';

/** What a test provider saw of one call. */
export type ProviderRequest = { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer };

/** An information system on 127.0.0.1 that answers each call with `answer` and remembers what it saw. */
export async function startTestProvider(answer: (request: ProviderRequest, response: ServerResponse) => void): Promise<{ baseUrl: string; seen: ProviderRequest[]; server: Server }> {
  const seen: ProviderRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
      seen.push(received);
      answer(received, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pip`, seen, server };
}

export async function thumbprintOf(key: TestKeyPair): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(createPublicKey(key.publicPem)));
}

export type SignedCall = {
  method?: string;
  path: string;
  client: string;
  key: TestKeyPair;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** When the signature says it was made. */
  created?: Date;
  /** A fresh one unless given; null for none (then the same call twice in one second is a replay). */
  nonce?: string | null;
  /** The components signed, when not the usual ones (x-road-userid is covered when given). */
  fields?: string[];
  /** Change the request after signing it, as an attacker would. */
  tamper?: (request: TamperableRequest) => void;
  /** The client address it comes from (127.0.0.1 unless given). */
  remoteAddress?: string;
};

/** A signed request as it is about to be sent; header names in lower case. */
export type TamperableRequest = { method: string; url: string; headers: Record<string, string>; body?: Buffer };

/** Signs a call as a client information system does (RFC 9421, with Content-Digest) and sends it with app.inject. */
export async function sendSignedCall(app: FastifyInstance, call: SignedCall): Promise<LightMyRequestResponse> {
  const method = call.method ?? 'GET';
  const body = call.body === undefined ? undefined : Buffer.from(call.body);
  const headers: Record<string, string> = {
    'x-road-client': call.client,
    ...(body ? { 'content-type': 'application/json', 'content-digest': `sha-512=:${createHash('sha512').update(body).digest('base64')}:` } : {}),
    ...call.headers,
  };
  const url = `${app.config.BASE_URL}${call.path}`;
  const nonce = call.nonce === undefined ? crypto.randomUUID() : call.nonce;
  const signed = await httpbis.signMessage(
    {
      key: createSigner(call.key.privateKey, call.key.algorithm, await thumbprintOf(call.key)),
      fields: call.fields ?? ['@method', '@target-uri', 'x-road-client', ...(body ? ['content-digest'] : []), ...(headers['x-road-userid'] === undefined ? [] : ['x-road-userid'])],
      params: ['created', 'keyid', 'alg', ...(nonce === null ? [] : ['nonce'])],
      paramValues: { created: call.created ?? new Date(), ...(nonce === null ? {} : { nonce }) },
    },
    { method, url, headers },
  );
  const lowerCased = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const request: TamperableRequest = { method, url: call.path, headers: lowerCased, ...(body ? { body } : {}) };
  call.tamper?.(request);
  return app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.body ? { payload: request.body } : {}), ...(call.remoteAddress ? { remoteAddress: call.remoteAddress } : {}) });
}

/** The message log's records once there are at least `count` (a forwarded call's record is written as its answer ends). */
export async function waitForLogRecords(db: Database, count: number) {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const records = await createMessageLogStore(db).listPage({ from: '2000-01-01', to: '3000-01-01', afterSequence: 0, limit: 10_000 });
    if (records.length >= count) return records;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} message log records`);
}

/**
 * A port of 127.0.0.1 free a moment ago. A signed @target-uri is BASE_URL and the path, so a
 * test that calls a listening Civitas makes BASE_URL name this port, then listens on it.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs scripts/exchange-call.mjs, the signer a client's developer would use, as the README does. */
export function runExchangeCallScript(...args: string[]): Promise<{ exitCode: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('node_modules/.bin/node', ['scripts/exchange-call.mjs', ...args], { cwd: ROOT }, (error, stdout) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout });
    });
  });
}
