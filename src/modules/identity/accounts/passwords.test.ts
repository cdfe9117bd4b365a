import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNewPassword, isPasswordTooLong, PASSWORD_MAX_LENGTH } from './passwords.ts';

test('a new password: long enough, not too long, not common, not one character or a short group over and over, not a plain run', () => {
  const cases: Array<[string, ReturnType<typeof checkNewPassword>]> = [
    ['', 'missing'],
    ['short', 'tooShort'],
    ['a'.repeat(PASSWORD_MAX_LENGTH + 1), 'tooLong'],
    ['x'.repeat(1100), 'tooLong'],
    ['aaaaaaaa', 'repetitive'],
    ['AAAAAAAAAAAA', 'repetitive'],
    ['11111111111', 'repetitive'],
    ['        ', 'repetitive'],
    ['abababab', 'repetitive'],
    ['AbAbAbAbA', 'repetitive'],
    ['123123123', 'repetitive'],
    ['abcdabcdabcd', 'repetitive'],
    ['!?!?!?!?', 'repetitive'],
    ['12345678', 'sequence'],
    ['1234567890', 'sequence'],
    ['0123456789', 'sequence'],
    ['98765432', 'sequence'],
    ['abcdefgh', 'sequence'],
    ['ABCDEFGHIJ', 'sequence'],
    ['zyxwvuts', 'sequence'],
    ['password', 'common'],
    ['correct horse battery staple', undefined],
    ['a brand new passphrase', undefined],
    // A group longer than 4 repeated is long enough to be allowed; runs broken anywhere are not runs.
    ['abcdeabcde', undefined],
    ['12345769', undefined],
    ['abcdefgz', undefined],
    ['aaaaaaab', undefined],
    ['Tŷ bach twt 1234', undefined],
  ];
  for (const [password, expected] of cases) assert.equal(checkNewPassword(password), expected, JSON.stringify(password.slice(0, 20)));
});

test('a password typed to be checked is refused unchecked past the longest an account can have, counted in characters', () => {
  assert.equal(isPasswordTooLong('a'.repeat(PASSWORD_MAX_LENGTH)), false);
  assert.equal(isPasswordTooLong('a'.repeat(PASSWORD_MAX_LENGTH + 1)), true);
  assert.equal(isPasswordTooLong('🔑'.repeat(PASSWORD_MAX_LENGTH)), false, 'an emoji is one character, not two');
});
