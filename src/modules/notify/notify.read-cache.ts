/**
 * A short-lived cache of rows read on every API request (a service, its templates, its senders),
 * so the hot path reads only what must be fresh: the service's API keys, which are checked on
 * every request so that a revoked key is refused at once. A change made in this process clears
 * its entry at once; one made by another process is seen within `ttlMs` (a second).
 */
export type ReadCache<T> = {
  get(key: string, load: () => Promise<T>): Promise<T>;
  forget(key: string): void;
};

export function createReadCache<T>(options: { ttlMs: number; maxEntries?: number; clock?: () => number }): ReadCache<T> {
  const entries = new Map<string, { value: Promise<T>; expiresAt: number }>();
  const now = options.clock ?? (() => performance.now());
  const maxEntries = options.maxEntries ?? 10_000;
  return {
    async get(key, load) {
      const entry = entries.get(key);
      if (entry && entry.expiresAt > now()) return entry.value;
      if (entries.size >= maxEntries) entries.clear();
      const value = load();
      entries.set(key, { value, expiresAt: now() + options.ttlMs });
      value.catch(() => entries.delete(key));
      return value;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
