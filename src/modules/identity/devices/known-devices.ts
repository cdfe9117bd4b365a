import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../../platform/db/database.ts';
import { createKnownDeviceStore } from './known-device.store.ts';

/** The browser's device cookie: a random id, signed, that says this browser signed in before. */
export const DEVICE_COOKIE = 'civitas_device';
/** As long as browsers keep a cookie (Chromium caps it at 400 days). */
export const DEVICE_COOKIE_DAYS = 400;
/** A device not seen for this long is forgotten, as its cookie is. */
const FORGET_AFTER_DAYS = DEVICE_COOKIE_DAYS;
/** The most devices remembered per account: the oldest are forgotten first. */
const DEVICES_KEPT = 20;

const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;

/** The hash kept for a device: of its id with the account's, so one browser is not linkable across accounts. */
function hashOf(accountId: string, deviceId: string): string {
  return createHash('sha256').update(`${accountId}\n${deviceId}`).digest('base64url');
}

/**
 * "Sign-in from a new device": a browser is known to an account when it signed in to it before
 * and still holds the device cookie of that sign-in. Nothing about the browser is kept but the
 * hash of the cookie's random id.
 */
export function createKnownDevices(dependencies: { db: Database; clock?: () => Date }) {
  const clock = dependencies.clock ?? (() => new Date());
  const store = createKnownDeviceStore(dependencies.db);
  return {
    /**
     * Records a sign-in to the account from the browser whose device id is `deviceId` (undefined
     * when it has none, or none that is valid). Returns the device id for the cookie, and
     * whether this browser is new to the account.
     */
    async recordSignIn(accountId: string, deviceId: string | undefined): Promise<{ deviceId: string; isNew: boolean }> {
      const id = deviceId && DEVICE_ID.test(deviceId) ? deviceId : randomBytes(32).toString('base64url');
      const now = clock();
      const isNew = await store.recordSignIn({ accountId, deviceHash: hashOf(accountId, id), now: now.toISOString() });
      if (isNew) await store.prune({ accountId, keep: DEVICES_KEPT, before: new Date(now.getTime() - FORGET_AFTER_DAYS * 86_400_000).toISOString() });
      return { deviceId: id, isNew };
    },
    wantsNewDeviceNotice: (accountId: string) => store.wantsNewDeviceNotice(accountId),
    setNewDeviceNotice: (accountId: string, on: boolean) => store.setNewDeviceNotice(accountId, on),
  };
}

export type KnownDevices = ReturnType<typeof createKnownDevices>;
