import { generateSecret, generateURI, verify } from 'otplib';

export function createAuthenticatorSecret(): string {
  return generateSecret();
}

export function describeAuthenticatorSecret(input: { secret: string; issuer: string; email: string }): string {
  return generateURI({ secret: input.secret, issuer: input.issuer, label: input.email });
}

/**
 * Checks a code from an authenticator app, allowing one 30-second step either way for clocks
 * that drift. Returns the time step the code belongs to, so it can be refused if used again.
 */
export async function checkAuthenticatorCode(secret: string, code: string): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epochTolerance: 30 });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
