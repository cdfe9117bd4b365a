import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectCardBrand, normaliseCardNumber, passesLuhnCheck } from './card-number.ts';

test('the Luhn check accepts real test card numbers and refuses a changed digit', () => {
  for (const number of ['4242424242424242', '4000056655665556', '5555555555554444', '371449635398431', '6011000990139424']) {
    assert.ok(passesLuhnCheck(number), number);
  }
  assert.equal(passesLuhnCheck('4242424242424241'), false);
  assert.equal(passesLuhnCheck('42424242x4242424'), false);
  assert.equal(passesLuhnCheck(''), false);
});

test('card brands are told apart by their first digits', () => {
  assert.equal(detectCardBrand('4242424242424242'), 'visa');
  assert.equal(detectCardBrand('5555555555554444'), 'master-card');
  assert.equal(detectCardBrand('2221000000000009'), 'master-card');
  assert.equal(detectCardBrand('371449635398431'), 'american-express');
  assert.equal(detectCardBrand('36148900647913'), 'diners-club');
  assert.equal(detectCardBrand('3566002020360505'), 'jcb');
  assert.equal(detectCardBrand('6011000990139424'), 'discover');
  assert.equal(detectCardBrand('6759649826438453'), 'maestro');
  assert.equal(detectCardBrand('6200000000000005'), 'unionpay');
  assert.equal(detectCardBrand('9999999999999995'), undefined);
  assert.equal(normaliseCardNumber('4242 4242-4242 4242'), '4242424242424242');
});
