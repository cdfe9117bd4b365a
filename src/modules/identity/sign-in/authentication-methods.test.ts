import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticationMethodsOf } from './sign-in-page.ts';

test("a sign-in's amr says what proved the person past their password, so a service can tell a text message from an app or a passkey", () => {
  assert.deepEqual(authenticationMethodsOf('Cl', undefined), ['pwd']);
  assert.deepEqual(authenticationMethodsOf('Cl', 'auth-app'), ['pwd'], 'a password-only sign-in says so whatever the account has');
  assert.deepEqual(authenticationMethodsOf('Cl.Cm', 'sms'), ['pwd', 'sms']);
  assert.deepEqual(authenticationMethodsOf('Cl.Cm', 'auth-app'), ['pwd', 'otp']);
  assert.deepEqual(authenticationMethodsOf('Cl.Cm', 'passkey'), ['pwd', 'hwk']);
  assert.deepEqual(authenticationMethodsOf('Cl.Cm', 'email-recovery'), ['pwd', 'mca'], 'an emailed code that replaced the app is not the app');
});
