import type Provider from 'oidc-provider';
import type { SigningKeys, SigningKeySet } from '../signing-keys/signing-keys.ts';

const KEY_CHECK_INTERVAL_MS = 30_000;

/**
 * oidc-provider fixes its keys when it is built. Another process may rotate them, so every 30
 * seconds at most this looks at the keys in the database and builds a new provider if they
 * changed. Both keep the previous signing key published, so nothing signed before fails.
 */
export function createProviderHolder(options: {
  signingKeys: SigningKeys;
  build(keys: SigningKeySet): Provider;
  refreshMs?: number;
  clock?: () => number;
}) {
  const clock = options.clock ?? (() => Date.now());
  const refreshMs = options.refreshMs ?? KEY_CHECK_INTERVAL_MS;
  let built: { provider: Provider; version: string } | undefined;
  let checkedAt = 0;
  let checking: Promise<Provider> | undefined;

  async function refresh(): Promise<Provider> {
    const keys = built ? await options.signingKeys.load() : await options.signingKeys.ensure();
    checkedAt = clock();
    if (!built || keys.version !== built.version) {
      built = { provider: options.build(keys), version: keys.version };
    }
    return built.provider;
  }

  return {
    async current(): Promise<Provider> {
      if (built && clock() - checkedAt < refreshMs) return built.provider;
      checking ??= refresh().finally(() => {
        checking = undefined;
      });
      return checking;
    },
  };
}

export type ProviderHolder = ReturnType<typeof createProviderHolder>;
