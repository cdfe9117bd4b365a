/**
 * Something built from the published guidance (a search index), kept in this process and built
 * again when the revision count in the database has moved: every publication, in any process,
 * counts it up, so each process serves what is published now. Reading the count is one row.
 */
export function followRevision<T>(readRevision: () => Promise<number>, build: () => Promise<T>): () => Promise<T> {
  let built: { revision: number; value: T } | undefined;
  let building: { revision: number; promise: Promise<T> } | undefined;
  return async () => {
    const revision = await readRevision();
    if (built?.revision === revision) return built.value;
    if (building?.revision !== revision) {
      const promise = build().then(
        (value) => {
          if (!built || built.revision < revision) built = { revision, value };
          return value;
        },
        (error: unknown) => {
          building = undefined;
          throw error;
        },
      );
      building = { revision, promise };
    }
    return building.promise;
  };
}
