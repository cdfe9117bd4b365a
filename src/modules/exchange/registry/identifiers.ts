/**
 * X-Road identifiers: `INSTANCE/CLASS/MEMBER`, `.../SUBSYSTEM` and `.../SUBSYSTEM/SERVICE`. Each
 * part is percent-encoded on its own; the `/` between parts never is. Civitas registers only
 * codes of a safe alphabet, so a part that decodes to anything else names nothing here.
 */

export type MemberIdentifier = { instance: string; memberClass: string; memberCode: string };
export type SubsystemIdentifier = MemberIdentifier & { subsystemCode: string };
export type ServiceIdentifier = SubsystemIdentifier & { serviceCode: string };

/** Codes of members, subsystems and services: letters, digits, `.`, `-`, `_`; up to 64 characters. */
export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Member classes such as GOV, COM, NGO: capital letters. */
export const MEMBER_CLASS_PATTERN = /^[A-Z]{2,16}$/;

/** X-Road suggests URIs under 2,000 characters; anything longer is refused before it is parsed. */
export const MAX_URI_LENGTH = 2000;

export class IdentifierError extends Error {
  override readonly name = 'IdentifierError';
}

export const isCode = (value: string) => CODE_PATTERN.test(value);
export const isMemberClass = (value: string) => MEMBER_CLASS_PATTERN.test(value);

function encodePart(part: string): string {
  return encodeURIComponent(part);
}

export function formatMember(id: MemberIdentifier): string {
  return [id.instance, id.memberClass, id.memberCode].map(encodePart).join('/');
}

export function formatSubsystem(id: SubsystemIdentifier): string {
  return `${formatMember(id)}/${encodePart(id.subsystemCode)}`;
}

export function formatService(id: ServiceIdentifier): string {
  return `${formatSubsystem(id)}/${encodePart(id.serviceCode)}`;
}

/** One percent-encoded part, decoded and checked; throws IdentifierError. */
export function decodePart(raw: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new IdentifierError(`The ${what} is not correctly percent-encoded`);
  }
  const valid = what === 'member class' ? isMemberClass(decoded) : isCode(decoded);
  if (!valid) throw new IdentifierError(`The ${what} is not a valid identifier part`);
  return decoded;
}

function splitParts(text: string, count: number, what: string): string[] {
  if (text.length > MAX_URI_LENGTH) throw new IdentifierError(`The ${what} identifier is too long`);
  const parts = text.split('/');
  if (parts.length !== count) throw new IdentifierError(`The ${what} identifier must have ${count} parts separated by /`);
  return parts;
}

/** Parses `INSTANCE/CLASS/MEMBER/SUBSYSTEM` (as in X-Road-Client); throws IdentifierError. */
export function parseSubsystem(text: string): SubsystemIdentifier {
  const [instance = '', memberClass = '', memberCode = '', subsystemCode = ''] = splitParts(text.trim(), 4, 'subsystem');
  return {
    instance: decodePart(instance, 'instance'),
    memberClass: decodePart(memberClass, 'member class'),
    memberCode: decodePart(memberCode, 'member code'),
    subsystemCode: decodePart(subsystemCode, 'subsystem code'),
  };
}

/** Parses `INSTANCE/CLASS/MEMBER`; throws IdentifierError. */
export function parseMember(text: string): MemberIdentifier {
  const [instance = '', memberClass = '', memberCode = ''] = splitParts(text.trim(), 3, 'member');
  return { instance: decodePart(instance, 'instance'), memberClass: decodePart(memberClass, 'member class'), memberCode: decodePart(memberCode, 'member code') };
}

/** A call's target: the service, and the rest of the path (still percent-encoded) with the query. */
export type CallTarget = { service: ServiceIdentifier; path: string; query: string };

/**
 * Parses the part of a PR-REST URI after `/r1/`: `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path][?query]`.
 * The path is passed on as the client encoded it, but never with `.` or `..` segments (encoded or
 * not), which would climb out of the provider's base URL.
 */
export function parseCallTarget(afterPrefix: string): CallTarget {
  const queryStart = afterPrefix.indexOf('?');
  const pathPart = queryStart === -1 ? afterPrefix : afterPrefix.slice(0, queryStart);
  const query = queryStart === -1 ? '' : afterPrefix.slice(queryStart);
  const parts = pathPart.split('/');
  if (parts.length < 5) throw new IdentifierError('The service identifier must be INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE');
  const [instance = '', memberClass = '', memberCode = '', subsystemCode = '', serviceCode = '', ...rest] = parts;
  const service: ServiceIdentifier = {
    instance: decodePart(instance, 'instance'),
    memberClass: decodePart(memberClass, 'member class'),
    memberCode: decodePart(memberCode, 'member code'),
    subsystemCode: decodePart(subsystemCode, 'subsystem code'),
    serviceCode: decodePart(serviceCode, 'service code'),
  };
  for (const segment of rest) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new IdentifierError('The path is not correctly percent-encoded');
    }
    if (decoded === '.' || decoded === '..') throw new IdentifierError('The path must not hold . or .. segments');
    // An encoded / or \ would let a provider that decodes it see segments the access check did not.
    if (/[/\\]/.test(decoded)) throw new IdentifierError('The path must not hold encoded / or \\');
    if (/[\u0000-\u001f\u007f]/.test(decoded)) throw new IdentifierError('The path must not hold control characters');
  }
  return { service, path: rest.length === 0 ? '' : `/${rest.join('/')}`, query };
}

/** PR-MREST's metaservices, called on a provider subsystem; never a service's code. */
export const METASERVICES = ['listMethods', 'allowedMethods', 'getOpenAPI'] as const;
export type Metaservice = (typeof METASERVICES)[number];

export type GatewayPath =
  | { kind: 'service'; target: CallTarget }
  | { kind: 'metaservice'; name: Metaservice; provider: SubsystemIdentifier; query: string }
  | { kind: 'listClients'; instance: string };

/** What a `/r1/...` URI asks for: a service, a metaservice of a provider, or the instance's clients. Throws IdentifierError. */
export function parseGatewayPath(afterPrefix: string): GatewayPath {
  const queryStart = afterPrefix.indexOf('?');
  const pathPart = queryStart === -1 ? afterPrefix : afterPrefix.slice(0, queryStart);
  const parts = pathPart.split('/');
  if (parts.length === 2 && parts[1] === 'listClients') return { kind: 'listClients', instance: decodePart(parts[0] ?? '', 'instance') };
  const name = METASERVICES.find((metaservice) => metaservice === parts[4]);
  if (parts.length === 5 && name) {
    const [instance = '', memberClass = '', memberCode = '', subsystemCode = ''] = parts;
    return {
      kind: 'metaservice',
      name,
      provider: { instance: decodePart(instance, 'instance'), memberClass: decodePart(memberClass, 'member class'), memberCode: decodePart(memberCode, 'member code'), subsystemCode: decodePart(subsystemCode, 'subsystem code') },
      query: queryStart === -1 ? '' : afterPrefix.slice(queryStart),
    };
  }
  return { kind: 'service', target: parseCallTarget(afterPrefix) };
}
