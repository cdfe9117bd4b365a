import { readFileSync } from 'node:fs';
import { CliError, type CliCommand } from '../../platform/cli/cli-command.ts';
import { ClientRegistrationError, createClientRegistry } from './clients/clients.ts';
import { createSigningKeys } from './signing-keys/signing-keys.ts';

function list(value: string | boolean | string[] | undefined): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  return Array.isArray(value) ? value : [value];
}

function single(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const clientAdd: CliCommand = {
  name: 'identity client add',
  summary: 'Register a service that signs people in with One Login',
  usage:
    '--name NAME --redirect-uri URL [--redirect-uri URL ...] --public-key FILE [--post-logout-redirect-uri URL] [--backchannel-logout-uri URL] [--sector-identifier HOST] [--scopes "openid email phone"] [--allow-vtr Cl] [--require-pkce] [--id-token-alg ES256|RS256]',
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'public-key': { type: 'string' },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'backchannel-logout-uri': { type: 'string' },
    'sector-identifier': { type: 'string' },
    scopes: { type: 'string' },
    'allow-vtr': { type: 'string', multiple: true },
    'require-pkce': { type: 'boolean' },
    'id-token-alg': { type: 'string' },
  },
  async run({ kernel, values, print }) {
    const name = single(values.name);
    const keyFile = single(values['public-key']);
    if (!name) throw new CliError('--name is required', 2);
    if (!keyFile) throw new CliError('--public-key FILE is required', 2);
    let publicKey: string;
    try {
      publicKey = readFileSync(keyFile, 'utf8');
    } catch {
      throw new CliError(`cannot read the public key file ${keyFile}`);
    }
    const allowVtr = list(values['allow-vtr']);
    if (allowVtr.some((level) => level !== 'Cl')) throw new CliError('--allow-vtr accepts only Cl', 2);
    const sector = single(values['sector-identifier']);
    if (sector !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(sector)) throw new CliError('--sector-identifier must be a host name', 2);
    const idTokenAlg = single(values['id-token-alg']);
    if (idTokenAlg !== undefined && idTokenAlg !== 'ES256' && idTokenAlg !== 'RS256') throw new CliError('--id-token-alg must be ES256 or RS256', 2);
    try {
      const { clientId } = await createClientRegistry({ db: kernel().db }).add({
        name,
        redirectUris: list(values['redirect-uri']),
        publicKey,
        postLogoutRedirectUris: list(values['post-logout-redirect-uri']),
        backchannelLogoutUri: single(values['backchannel-logout-uri']),
        sectorIdentifier: sector,
        scopes: single(values.scopes)?.split(/\s+/).filter(Boolean),
        allowedLevels: allowVtr.includes('Cl') ? ['Cl', 'Cl.Cm'] : ['Cl.Cm'],
        requirePkce: values['require-pkce'] === true,
        idTokenSigningAlg: idTokenAlg as 'ES256' | 'RS256' | undefined,
      });
      await kernel().audit.record({
        actor: 'operator:cli',
        action: 'identity.client.added',
        subject: `client:${clientId}`,
        outcome: 'success',
        details: { name },
      });
      print({ client_id: clientId }, `Registered ${name}: client_id ${clientId}`);
      return 0;
    } catch (error) {
      if (error instanceof ClientRegistrationError || error instanceof SyntaxError) throw new CliError(error.message);
      throw error;
    }
  },
};

const clientList: CliCommand = {
  name: 'identity client list',
  summary: 'List the services registered with One Login',
  async run({ kernel, print }) {
    const clients = await createClientRegistry({ db: kernel().db }).list();
    print(
      clients.map((client) => ({ client_id: client.clientId, name: client.name, redirect_uris: client.redirectUris, created_at: client.createdAt })),
      clients.length === 0 ? 'No services registered.' : clients.map((client) => `${client.clientId}  ${client.name}  ${client.redirectUris.join(' ')}`).join('\n'),
    );
    return 0;
  },
};

const clientRemove: CliCommand = {
  name: 'identity client remove',
  summary: 'Remove a registered service',
  usage: 'CLIENT_ID',
  async run({ kernel, positionals, print }) {
    const [clientId] = positionals;
    if (!clientId) throw new CliError('give the client_id to remove', 2);
    if (!(await createClientRegistry({ db: kernel().db }).remove(clientId))) throw new CliError(`no client ${clientId}`);
    await kernel().audit.record({ actor: 'operator:cli', action: 'identity.client.removed', subject: `client:${clientId}`, outcome: 'success' });
    print({ client_id: clientId, removed: true }, `Removed ${clientId}.`);
    return 0;
  },
};

const rotateKeys: CliCommand = {
  name: 'identity rotate-keys',
  summary: 'Start signing with the published next key, and publish a new next key',
  async run({ kernel, print }) {
    const result = await createSigningKeys({ db: kernel().db, secrets: kernel().secrets }).rotate();
    await kernel().audit.record({ actor: 'operator:cli', action: 'identity.signing-keys.rotated', subject: 'identity:signing-keys', outcome: 'success', details: { current: result.current.join(',') } });
    print(result, `Now signing with ${result.current.join(', ')}; next keys published: ${result.next.join(', ')}.`);
    return 0;
  },
};

export const identityCommands: readonly CliCommand[] = [clientAdd, clientList, clientRemove, rotateKeys];
