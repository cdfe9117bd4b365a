import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretBox, createSecretBoxes, SecretBoxError, secretBoxesOf } from './secret-box.ts';

const KEY = 'an-encryption-key-for-the-tests-of-the-box';
const OTHER_KEY = 'another-encryption-key-for-the-tests-of-it';

test('a sealed secret opens to the same text, and does not contain it', () => {
  const box = createSecretBox({ keys: { current: KEY }, purpose: 'test-secret' });
  for (const plain of ['JBSWY3DPEHPK3PXP', '', 'pâté and 🔑, with. dots.']) {
    const sealed = box.seal(plain);
    assert.ok(box.isSealed(sealed));
    assert.match(sealed, /^sealed1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/);
    if (plain !== '') assert.ok(!sealed.includes(plain));
    assert.equal(box.open(sealed), plain);
    assert.equal(box.openOrAcceptClear(sealed), plain);
    assert.equal(box.needsResealing(sealed), false);
    assert.ok(sealed.startsWith(box.currentPrefix));
  }
  assert.notEqual(box.seal('same'), box.seal('same'), 'a fresh IV each time');
});

test('a secret sealed for one purpose or under another key does not open', () => {
  const boxes = createSecretBoxes({ current: KEY });
  const sealed = boxes.forPurpose('identity-signing-key').seal('private key');
  assert.throws(() => boxes.forPurpose('pay-webhook-secret').open(sealed), SecretBoxError);
  assert.throws(() => createSecretBox({ keys: { current: OTHER_KEY }, purpose: 'identity-signing-key' }).open(sealed), SecretBoxError);

  // The same key id cannot be claimed by a value sealed under another key.
  const forged = createSecretBox({ keys: { current: OTHER_KEY }, purpose: 'identity-signing-key' }).seal('chosen').split('.');
  forged[1] = sealed.split('.')[1];
  assert.throws(() => boxes.forPurpose('identity-signing-key').open(forged.join('.')), SecretBoxError);
});

test('a changed ciphertext, IV or tag is refused', () => {
  const box = createSecretBox({ keys: { current: KEY }, purpose: 'test-secret' });
  const parts = box.seal('a secret worth keeping').split('.');
  for (const index of [2, 3, 4]) {
    const bytes = Buffer.from(parts[index], 'base64url');
    bytes[0] ^= 1;
    const tampered = parts.with(index, bytes.toString('base64url')).join('.');
    assert.throws(() => box.open(tampered), SecretBoxError, `part ${index} changed`);
  }
  assert.throws(() => box.open(parts.slice(0, 4).join('.')), SecretBoxError, 'a part missing');
  assert.throws(() => box.open(parts.with(4, '').join('.')), SecretBoxError, 'no tag');
  const shortTag = Buffer.from(parts[4], 'base64url').subarray(0, 4).toString('base64url');
  assert.throws(() => box.open(parts.with(4, shortTag).join('.')), SecretBoxError, 'a shortened tag');
  assert.throws(() => box.open('JBSWY3DPEHPK3PXP'), SecretBoxError, 'not sealed at all');
});

test('after a rotation, values sealed under a previous key open and ask to be sealed again', () => {
  const before = createSecretBox({ keys: { current: OTHER_KEY }, purpose: 'test-secret' });
  const old = before.seal('kept across the rotation');
  const after = createSecretBox({ keys: { current: KEY, previous: [OTHER_KEY] }, purpose: 'test-secret' });
  assert.equal(after.open(old), 'kept across the rotation');
  assert.equal(after.needsResealing(old), true);
  assert.ok(!old.startsWith(after.currentPrefix), 'a query on the prefix finds the old value');
  const resealed = after.seal(after.open(old));
  assert.equal(after.needsResealing(resealed), false);
  assert.throws(() => before.open(resealed), SecretBoxError, 'new values are sealed under the current key only');
  assert.throws(() => createSecretBox({ keys: { current: KEY }, purpose: 'test-secret' }).open(old), SecretBoxError);
});

test('a value stored in clear before sealing is taken as it is, and asks to be sealed', () => {
  const box = createSecretBox({ keys: { current: KEY }, purpose: 'test-secret' });
  assert.equal(box.isSealed('{"kty":"EC"}'), false);
  assert.equal(box.openOrAcceptClear('{"kty":"EC"}'), '{"kty":"EC"}');
  assert.equal(box.needsResealing('{"kty":"EC"}'), true);
  assert.throws(() => box.openOrAcceptClear('sealed1.forged.value.that.fails'), SecretBoxError);
});

test('one set of boxes per configuration', () => {
  const config = Object.freeze({ ENCRYPTION_KEY: KEY, ENCRYPTION_KEY_PREVIOUS: [] });
  assert.equal(secretBoxesOf(config), secretBoxesOf(config));
  assert.equal(secretBoxesOf(config).forPurpose('test-secret'), secretBoxesOf(config).forPurpose('test-secret'));
  const sealed = secretBoxesOf(config).forPurpose('test-secret').seal('shared');
  assert.equal(secretBoxesOf({ ...config }).forPurpose('test-secret').open(sealed), 'shared', 'same key, same box');
  assert.throws(() => createSecretBox({ keys: { current: KEY }, purpose: 'Not A Purpose' }));
});

test('bytes sealed bound to a record open to the same bytes for that record only', () => {
  const box = createSecretBox({ keys: { current: KEY }, purpose: 'test-payload' });
  const plain = Buffer.from([0, 255, 254, 10, 0x80, 0xc3, 0x28, 1]);
  const sealed = box.sealBytes(plain, 'record-1');
  assert.ok(box.isSealed(sealed));
  assert.ok(box.openBytes(sealed, 'record-1').equals(plain), 'bytes that are not UTF-8 come back unchanged');
  assert.throws(() => box.openBytes(sealed, 'record-2'), SecretBoxError, 'copied onto another record it does not open');
  assert.throws(() => box.openBytes(sealed), SecretBoxError);
  assert.throws(() => box.open(sealed), SecretBoxError);
  assert.throws(() => createSecretBox({ keys: { current: OTHER_KEY }, purpose: 'test-payload' }).openBytes(sealed, 'record-1'), SecretBoxError);
  assert.ok(createSecretBox({ keys: { current: OTHER_KEY, previous: [KEY] }, purpose: 'test-payload' }).openBytes(sealed, 'record-1').equals(plain), 'opens under a previous key after a rotation');
  assert.equal(box.openBytes(box.sealBytes(Buffer.alloc(0), 'empty'), 'empty').length, 0);
});
