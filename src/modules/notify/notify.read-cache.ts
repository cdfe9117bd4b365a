/**
 * A short-lived cache of rows read on every API request (a service, its API keys, templates and
 * senders), as Notify itself keeps them in memory for 2 seconds. A change made in this process
 * clears its entry once committed; one made by another process is seen within `ttlMs`.
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
