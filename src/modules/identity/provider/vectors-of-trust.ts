/**
 * Vectors of Trust (RFC 8485) as GOV.UK One Login uses them: `Cl` is a password; `Cl.Cm` is a
 * password and a second factor. A service asks with `vtr=["Cl.Cm"]` (the default); `["Cl"]` only
 * if it is registered to allow it. Identity levels (P1, P2...) are not offered.
 */
export const CREDENTIAL_LEVELS = ['Cl', 'Cl.Cm'] as const;
export type CredentialLevel = (typeof CREDENTIAL_LEVELS)[number];

export const DEFAULT_LEVEL: CredentialLevel = 'Cl.Cm';

function isCredentialLevel(value: unknown): value is CredentialLevel {
  return CREDENTIAL_LEVELS.includes(value as CredentialLevel);
}

/**
 * The level a request needs, or undefined when the `vtr` parameter is not acceptable. Any vector
 * the service lists is acceptable to it, so the weakest one listed is what must be met.
 */
export function parseRequestedLevel(
  vtr: string | undefined,
  allowedLevels: readonly CredentialLevel[],
): CredentialLevel | undefined {
  if (vtr === undefined || vtr === '') return DEFAULT_LEVEL;
  let vectors: unknown;
  try {
    vectors = JSON.parse(vtr);
  } catch {
    return undefined;
  }
  if (!Array.isArray(vectors) || vectors.length === 0 || !vectors.every(isCredentialLevel)) return undefined;
  if (!vectors.every((vector) => allowedLevels.includes(vector))) return undefined;
  return vectors.includes('Cl') ? 'Cl' : 'Cl.Cm';
}

export function meetsLevel(achieved: string | undefined, required: CredentialLevel): boolean {
  return required === 'Cl' ? achieved === 'Cl' || achieved === 'Cl.Cm' : achieved === 'Cl.Cm';
}

/**
 * Whether a `vtr` asks for identity: a vector with a level of identity confidence (`P1`, `P2`...),
 * as in GOV.UK One Login's `["Cl.Cm.P2"]` (`P0` is none). Unreadable values count as asking.
 */
export function asksForIdentity(vtr: string | undefined): boolean {
  if (vtr === undefined || vtr === '') return false;
  let vectors: unknown;
  try {
    vectors = JSON.parse(vtr);
  } catch {
    return true;
  }
  if (!Array.isArray(vectors)) return true;
  return vectors.some((vector) => typeof vector !== 'string' || vector.split('.').some((component) => /^P[1-9]$/.test(component)));
}
