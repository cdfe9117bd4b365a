import type { Database } from '../../../platform/db/database.ts';
import type { AnswerShape } from '../agreements/json-fields.ts';
import { formatService, formatSubsystem, IdentifierError, parseSubsystem, type CallTarget, type SubsystemIdentifier } from '../registry/identifiers.ts';
import { isPathParameter, type Endpoint } from '../registry/openapi-description.ts';
import type { AccessRightRow, ServiceRow, SubsystemWithMember } from '../registry/registry.store.ts';
import type { CallRegistryView } from './call-registry.ts';
import { checkConsent, recordOfCall } from './consent-check.ts';
import type { ReplayGuard } from './replay-guard.ts';
import { verifyClientSignature } from './request-signature.ts';
import { XRoadError } from './xroad-error.ts';

/** What the message log knows of a call so far; filled in as each check passes. `clientProved`: the client's signature checked and not a replay. */
export type CallFacts = { client: string | null; service: string | null; endpoint: string | null; agreementId: string | null; consentId: string | null; clientProved?: boolean };

/** `fields`: what the agreement in force lets the consumer receive, as JSON paths. */
/** `shape`: what the service's description says its answers hold, to cut them by. */
export type AuthorisedCall = { target: CallTarget; client: SubsystemWithMember; service: ServiceRow; clientIdentifier: string; serviceIdentifier: string; fields: string[]; shape: AnswerShape };

function templateMatches(template: string, path: string): boolean {
  const templateParts = template.split('/');
  const pathParts = path.split('/');
  return templateParts.length === pathParts.length && templateParts.every((part, index) => isPathParameter(part) ? (pathParts[index] ?? '') !== '' : part === pathParts[index]);
}

/** The OpenAPI endpoint a call reaches, as `METHOD /template`; undefined when none does. */
export function findEndpoint(endpoints: readonly Endpoint[], method: string, path: string): Endpoint | undefined {
  const requested = path === '' ? '/' : path;
  return endpoints.find((endpoint) => endpoint.method === method && templateMatches(endpoint.path, requested));
}

/**
 * Whether a path pattern covers a path, as X-Road's endpoint wildcards: `*` alone for any path;
 * a last segment ending `*` (`/awards/*`, `/awards/QQ*`) for one more non-empty segment that
 * begins so; a last segment `**` for one or more non-empty segments under the rest.
 */
function patternCovers(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  const last = patternParts.at(-1)!;
  const fixed = patternParts.slice(0, -1);
  if (!fixed.every((part, index) => part === pathParts[index])) return false;
  const rest = pathParts.slice(fixed.length);
  if (last === '**') return rest.length > 0 && rest.every((part) => part !== '');
  return rest.length === 1 && rest[0] !== '' && rest[0]!.startsWith(last.slice(0, -1));
}

/** Whether an access right covers a call: any or the same method; any path, a wildcard pattern, the template or the path itself. */
export function rightCovers(right: Pick<AccessRightRow, 'endpoint_method' | 'endpoint_path'>, method: string, path: string, endpoint: Endpoint | undefined): boolean {
  if (right.endpoint_method !== '*' && right.endpoint_method !== method) return false;
  const pattern = right.endpoint_path;
  const requested = path === '' ? '/' : path;
  if (pattern.endsWith('*')) return patternCovers(pattern, requested);
  return pattern === requested || pattern === endpoint?.path;
}

type CallInput = {
  db: Database;
  registry: CallRegistryView;
  replayGuard: ReplayGuard;
  instance: string;
  method: string;
  targetUri: string;
  headers: Record<string, string | string[] | undefined>;
  hasBody: boolean;
  facts: CallFacts;
  now: Date;
};

/**
 * Who is calling: the subsystem X-Road-Client names, proved by a signature with one of its own
 * registered keys, not replayed, its member approved. Throws XRoadError (`Client.*`).
 */
export async function authenticateClient(input: CallInput): Promise<SubsystemWithMember> {
  const clientHeader = input.headers['x-road-client'];
  if (typeof clientHeader !== 'string') throw new XRoadError('Client.BadRequest', 'The X-Road-Client header is required, once: INSTANCE/CLASS/MEMBER/SUBSYSTEM');
  let clientId;
  try {
    clientId = parseSubsystem(clientHeader);
  } catch (error) {
    if (error instanceof IdentifierError) throw new XRoadError('Client.InvalidClientIdentifier', `X-Road-Client: ${error.message}`);
    throw error;
  }
  input.facts.client = formatSubsystem(clientId);

  const verified = await verifyClientSignature({
    method: input.method,
    targetUri: input.targetUri,
    headers: input.headers,
    hasBody: input.hasBody,
    findKey: (thumbprint) => input.registry.findKey(thumbprint),
  });
  const client = clientId.instance === input.instance ? await input.registry.findSubsystem(clientId) : undefined;
  if (!client || client.id !== verified.subsystemId) throw new XRoadError('Client.InvalidSignatureValue', 'The signature is by a key of another subsystem than X-Road-Client names');
  if (client.member.status !== 'approved') throw new XRoadError('Client.UnknownMember', "The client's member is not an approved member of the exchange");

  // What was signed, not how it was spelt: a renamed label, a parameter added to Signature or another ECDSA signature of the same base is the same call.
  // (The call's X-Road-Id is Civitas's own, new for every call: a client's is ignored, so there is none of theirs to remember.)
  if (!(await input.replayGuard.claim([`signed:${verified.signedContent}`], verified.created, input.now))) throw new XRoadError('Client.InvalidRequest', 'This request has been received before');
  input.facts.clientProved = true;
  return client;
}

/** A provider subsystem of this instance whose member is approved, or undefined. */
export async function findProvider(registry: CallRegistryView, instance: string, id: SubsystemIdentifier): Promise<SubsystemWithMember | undefined> {
  const provider = id.instance === instance ? await registry.findSubsystem(id) : undefined;
  return provider && provider.member.status === 'approved' ? provider : undefined;
}

/**
 * The checks a call must pass before it is forwarded, in X-Road's order: the client (see
 * authenticateClient), then the service, the access right, the data sharing agreement and, for a
 * service under consent, the person's consent.
 * Throws XRoadError; `facts`
 * records what was learnt, for the message log.
 */
export async function authoriseCall(input: CallInput & { target: CallTarget }): Promise<AuthorisedCall> {
  const { target } = input;
  input.facts.service = formatService(target.service);
  const client = await authenticateClient(input);
  const provider = await findProvider(input.registry, input.instance, target.service);
  const found = provider ? await input.registry.findService(provider.id, target.service.serviceCode) : undefined;
  if (!found) throw new XRoadError('Server.ServerProxy.UnknownService', `Unknown service ${input.facts.service}`);
  const service = found.row;
  const endpoint = findEndpoint(found.endpoints, input.method, target.path);
  input.facts.endpoint = endpoint ? `${endpoint.method} ${endpoint.path}` : null;
  const rights = await input.registry.listAccessRights(service.id, client.id);
  if (!rights.some((right) => rightCovers(right, input.method, target.path, endpoint))) {
    throw new XRoadError('Server.ServerProxy.AccessDenied', `Request is not allowed: ${input.facts.client} may not call ${input.method} ${target.path || '/'} of ${input.facts.service}`);
  }
  const now = input.now.toISOString();
  const agreement = (await input.registry.listActiveAgreements(service.id, client.member_id)).find(({ row }) => row.starts_at <= now && row.ends_at > now);
  if (!agreement) throw new XRoadError('Server.ServerProxy.AccessDenied', `Request is not allowed: no data sharing agreement in force covers ${input.facts.client} and ${input.facts.service}`);
  input.facts.agreementId = agreement.row.id;
  input.facts.consentId = await checkConsent({ db: input.db, client, service, agreementId: agreement.row.id, userId: input.headers['x-road-userid'], record: recordOfCall(endpoint, target.path), now: input.now });
  const shape = { known: found.endpoints.flatMap((each) => each.fields), containers: found.endpoints.flatMap((each) => each.containers ?? []) };
  return { target, client, service, fields: agreement.fields, shape, clientIdentifier: formatSubsystem({ instance: client.member.instance, memberClass: client.member.member_class, memberCode: client.member.member_code, subsystemCode: client.subsystem_code }), serviceIdentifier: input.facts.service };
}
