#!/usr/bin/env node
// Calls a service through Civitas Exchange as a client information system does, needing nothing
// but Node.js: signs the call (HTTP Message Signatures, RFC 9421, with Content-Digest, RFC 9530)
// with the subsystem's private key, sends it, and prints the answer.
//   node scripts/exchange-call.mjs --key client-private.pem --client INSTANCE/CLASS/MEMBER/SUBSYSTEM \
//     [--method GET] [--data '{"json":"body"}'] [--header 'X-Road-UserId: GB...'] URL
// URL: {BASE_URL}/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/path, exactly as Civitas's BASE_URL spells it.
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: 'string' }, client: { type: 'string' }, method: { type: 'string', default: 'GET' }, data: { type: 'string' }, header: { type: 'string', multiple: true, default: [] } },
});
const [url] = positionals;
if (!values.key || !values.client || !url) {
  process.stderr.write('Usage: node scripts/exchange-call.mjs --key PRIVATE_KEY_PEM --client INSTANCE/CLASS/MEMBER/SUBSYSTEM [--method M] [--data BODY] [--header "Name: value"] URL\n');
  process.exit(2);
}

const privateKey = createPrivateKey(readFileSync(values.key, 'utf8'));
const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
// RFC 7638: the thumbprint is the SHA-256 of the key's required members, in this order, base64url.
const required = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
const keyid = createHash('sha256').update(JSON.stringify(required)).digest('base64url');
const alg = jwk.kty === 'EC' ? 'ecdsa-p256-sha256' : 'ed25519';

const method = values.method.toUpperCase();
const body = values.data === undefined ? undefined : Buffer.from(values.data);
const headers = { 'x-road-client': values.client, accept: 'application/json' };
for (const line of values.header) {
  const colon = line.indexOf(':');
  if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
}
if (body) {
  headers['content-type'] ??= 'application/json';
  headers['content-digest'] = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

// The signature base (RFC 9421 section 2.5): each covered component on a line, then the parameters.
// The person a call is about is signed too, and a fresh nonce makes each call its own (Civitas refuses what was signed before).
const components = ['@method', '@target-uri', 'x-road-client', ...(body ? ['content-digest'] : []), ...(headers['x-road-userid'] === undefined ? [] : ['x-road-userid'])];
const valueOf = { '@method': method, '@target-uri': url, 'x-road-client': headers['x-road-client'], 'content-digest': headers['content-digest'], 'x-road-userid': headers['x-road-userid'] };
const parameters = `(${components.map((name) => `"${name}"`).join(' ')});created=${Math.floor(Date.now() / 1000)};keyid="${keyid}";alg="${alg}";nonce="${randomUUID()}"`;
const base = [...components.map((name) => `"${name}": ${valueOf[name]}`), `"@signature-params": ${parameters}`].join('\n');
const signature = sign(alg === 'ed25519' ? null : 'sha256', Buffer.from(base), alg === 'ed25519' ? privateKey : { key: privateKey, dsaEncoding: 'ieee-p1363' });
headers['signature-input'] = `sig1=${parameters}`;
headers.signature = `sig1=:${signature.toString('base64')}:`;

const response = await fetch(url, { method, headers, body, redirect: 'manual' });
process.stdout.write(`${response.status}\n`);
for (const [name, value] of response.headers) if (name.startsWith('x-road-') || name === 'content-type') process.stdout.write(`${name}: ${value}\n`);
process.stdout.write(`\n${await response.text()}\n`);
process.exitCode = response.ok ? 0 : 1;
