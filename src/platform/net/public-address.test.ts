import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalAddress, describeNonPublicAddress } from './public-address.ts';

test('IPv4 addresses outside the public internet are named by their range', () => {
  const nonPublic: Array<[address: string, kind: string]> = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.200', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
  ];
  for (const [address, kind] of nonPublic) assert.equal(describeNonPublicAddress(address), kind, address);
});

test('public IPv4 addresses, including the neighbours of non-public ranges, are public', () => {
  for (const address of ['1.1.1.1', '8.8.8.8', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '223.255.255.255', '81.2.69.160']) {
    assert.equal(describeNonPublicAddress(address), undefined, address);
  }
});

test('IPv6 loopback, unspecified, unique local, link-local, multicast, documentation and reserved addresses are not public', () => {
  const nonPublic: Array<[address: string, kind: string]> = [
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['64:ff9b:1::1', 'private'],
    ['::2', 'reserved'],
    ['4000::1', 'reserved'],
  ];
  for (const [address, kind] of nonPublic) assert.equal(describeNonPublicAddress(address), kind, address);
  for (const address of ['2a00:1450:4009:81f::200e', '2606:4700:4700::1111', '2001:4860:4860::8888']) {
    assert.equal(describeNonPublicAddress(address), undefined, address);
  }
});

test('an IPv6 address that carries an IPv4 address is judged by the IPv4 address it reaches', () => {
  const nonPublic: Array<[address: string, kind: string]> = [
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'IPv4-mapped link-local'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['64:ff9b::192.168.0.1', 'NAT64 private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 link-local'],
    ['2002:7f00:1::', '6to4 loopback'],
    ['2002:0a00:0001::1', '6to4 private'],
  ];
  for (const [address, kind] of nonPublic) assert.equal(describeNonPublicAddress(address), kind, address);
  for (const address of ['::ffff:8.8.8.8', '64:ff9b::808:808', '2002:0808:0808::1']) {
    assert.equal(describeNonPublicAddress(address), undefined, address);
  }
});

test('a host name is not an address', () => {
  assert.throws(() => describeNonPublicAddress('example.org'), TypeError);
  assert.throws(() => describeNonPublicAddress('[::1]'), TypeError);
});

test('every spelling of this machine, and of an IPv4 address carried in IPv6, is one canonical address', () => {
  for (const address of ['127.0.0.1', '127.0.0.2', '0.0.0.0', '::1', '::', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:2']) {
    assert.equal(canonicalAddress(address), 'this-machine', address);
  }
  for (const address of ['203.0.114.7', '::ffff:203.0.114.7', '::ffff:cb00:7207', '64:ff9b::cb00:7207', '2002:cb00:7207::1']) {
    assert.equal(canonicalAddress(address), '203.0.114.7', address);
  }
  assert.equal(canonicalAddress('2a00:1450:4009:81f::200e'), canonicalAddress('2A00:1450:4009:081F:0:0:0:200E'));
  assert.notEqual(canonicalAddress('2a00:1450:4009:81f::200e'), canonicalAddress('2a00:1450:4009:81f::200f'));
  assert.notEqual(canonicalAddress('10.0.0.1'), canonicalAddress('10.0.0.2'));
});
