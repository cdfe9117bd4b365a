import { readFileSync } from 'node:fs';
import { CliError, type CliCommand } from '../../platform/cli/cli-command.ts';
import { ClientRegistrationError, createClientRegistry, TOKEN_AUTH_METHODS, type TokenAuthMethod } from './clients/clients.ts';
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
    '--name NAME --redirect-uri URL [--redirect-uri URL ...] (--public-key FILE | --token-auth client_secret_post) [--post-logout-redirect-uri URL] [--backchannel-logout-uri URL] [--sector-identifier HOST] [--scopes "openid email phone"] [--allow-vtr Cl] [--require-pkce] [--id-token-alg ES256|RS256]',
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'public-key': { type: 'string' },
    'token-auth': { type: 'string' },
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
    const tokenAuth = single(values['token-auth']) ?? 'private_key_jwt';
    if (!name) throw new CliError('--name is required', 2);
    if (!TOKEN_AUTH_METHODS.includes(tokenAuth as TokenAuthMethod)) throw new CliError(`--token-auth must be ${TOKEN_AUTH_METHODS.join(' or ')}`, 2);
    if (tokenAuth === 'private_key_jwt' && !keyFile) throw new CliError('--public-key FILE is required (or --token-auth client_secret_post)', 2);
    if (tokenAuth === 'client_secret_post' && keyFile) throw new CliError('--public-key is for private_key_jwt: a client_secret_post service gets a generated secret instead', 2);
    let publicKey: string | undefined;
    if (keyFile) {
      try {
        publicKey = readFileSync(keyFile, 'utf8');
      } catch {
        throw new CliError(`cannot read the public key file ${keyFile}`);
      }
    }
    const allowVtr = list(values['allow-vtr']);
    if (allowVtr.some((level) => level !== 'Cl')) throw new CliError('--allow-vtr accepts only Cl', 2);
    const sector = single(values['sector-identifier']);
    if (sector !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(sector)) throw new CliError('--sector-identifier must be a host name', 2);
    const idTokenAlg = single(values['id-token-alg']);
    if (idTokenAlg !== undefined && idTokenAlg !== 'ES256' && idTokenAlg !== 'RS256') throw new CliError('--id-token-alg must be ES256 or RS256', 2);
    try {
      const { clientId, clientSecret } = await createClientRegistry({ db: kernel().db }).add({
        name,
        redirectUris: list(values['redirect-uri']),
        tokenAuthMethod: tokenAuth as TokenAuthMethod,
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
        details: { name, token_endpoint_auth_method: tokenAuth },
      });
      if (clientSecret === undefined) {
        print({ client_id: clientId }, `Registered ${name}: client_id ${clientId}`);
      } else {
        print(
          { client_id: clientId, client_secret: clientSecret },
          `Registered ${name}: client_id ${clientId}\nclient_secret ${clientSecret}\n` +
            'Keep the secret in the service\'s vault now: it is shown only this once (One Login keeps only an Argon2id hash of it).',
        );
      }
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
      clients.map((client) => ({
        client_id: client.clientId,
        name: client.name,
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: client.tokenAuthMethod,
        created_at: client.createdAt,
      })),
      clients.length === 0
        ? 'No services registered.'
        : clients.map((client) => `${client.clientId}  ${client.name}  ${client.tokenAuthMethod}  ${client.redirectUris.join(' ')}`).join('\n'),
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
