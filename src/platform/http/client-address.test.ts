import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddressKey, UNREADABLE_ADDRESS_KEY } from './client-address.ts';

test('IPv4 addresses are counted one by one', () => {
  assert.equal(clientAddressKey('203.0.113.5'), '203.0.113.5');
  assert.notEqual(clientAddressKey('203.0.113.5'), clientAddressKey('203.0.113.6'));
});

test('IPv6 addresses in one /64 are counted together, however they are written', () => {
  const key = clientAddressKey('2001:db8:aa:bb::1');
  assert.equal(key, '2001:0db8:00aa:00bb::/64');
  assert.equal(clientAddressKey('2001:DB8:AA:BB:ffff:ffff:ffff:ffff'), key);
  assert.equal(clientAddressKey('2001:db8:aa:bb:0:0:0:2%eth0'), key);
  assert.notEqual(clientAddressKey('2001:db8:aa:bc::1'), key);
  assert.equal(clientAddressKey('::1'), '0000:0000:0000:0000::/64');
});

test('an IPv4 address mapped into IPv6 is the IPv4 address', () => {
  assert.equal(clientAddressKey('::ffff:198.51.100.7'), '198.51.100.7');
});

test('a port some proxies write after the address is not part of it: a client cannot be new with every port', () => {
  assert.equal(clientAddressKey('203.0.113.5:50123'), '203.0.113.5');
  assert.equal(clientAddressKey('[2001:db8:aa:bb::1]:443'), clientAddressKey('2001:db8:aa:bb::9'));
  assert.equal(clientAddressKey('[2001:db8:aa:bb::1]'), '2001:0db8:00aa:00bb::/64');
  assert.equal(clientAddressKey(' 203.0.113.5 '), '203.0.113.5');
});

test('anything that is not an address is counted under one key for all', () => {
  for (const raw of ['unknown', '', 'example.com', '999.1.1.1', '203.0.113.5:port', '::ffff:999.0.0.1', '[not-an-address]:80']) {
    assert.equal(clientAddressKey(raw), UNREADABLE_ADDRESS_KEY, JSON.stringify(raw));
  }
});
