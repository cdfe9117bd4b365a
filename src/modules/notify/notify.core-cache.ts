import { createNotifyCore, type NotifyCore, type NotifyCoreParts } from './notify.core.ts';

const cores = new WeakMap<object, NotifyCore>();

/**
 * One Notify core per database handle, so the routes, the jobs, the commands and the contract
 * of one process share the same services (and the same cache of opened key secrets).
 */
export function notifyCoreOf(parts: NotifyCoreParts): NotifyCore {
  let core = cores.get(parts.db);
  if (!core) {
    core = createNotifyCore(parts);
    cores.set(parts.db, core);
  }
  return core;
}
