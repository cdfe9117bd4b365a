import type { Database } from '../../../platform/db/database.ts';
import { createAccountStore, type SecurityMethodKind } from '../accounts/account.store.ts';
import { normaliseEmail } from '../accounts/account.service.ts';
import { derivePairwiseSubject } from '../provider/pairwise-subject.ts';
import type { InternalClientSpec } from './internal-clients.ts';

/** A method added after the account was made is settled this long after it was added. */
export const METHOD_SETTLING_DAYS = 7;

/**
 * A security method and whether it is settled: it came with the account, or was added at least
 * METHOD_SETTLING_DAYS ago. A method added since may have been added by someone who got past a
 * weaker proof (a password and a text message, or the mailbox through recovery), and the owner
 * has had a security email about it and time to remove it.
 */
export type SecurityMethodStanding = { kind: SecurityMethodKind; settled: boolean };

/**
 * The kinds of security method of the account an internal service knows by `subject`. The
 * subject is pairwise and cannot be turned back into an account, so the account is found by the
 * email address the service was given with it and kept only if it derives the same subject for
 * that service's sector: an address since moved to another account finds nothing.
 */
export async function findMethodsOfInternalSubject(
  db: Database,
  input: { service: Pick<InternalClientSpec, 'baseUrl' | 'callbackPath'>; subject: string; email: string; now?: Date },
): Promise<SecurityMethodStanding[] | undefined> {
  const accounts = createAccountStore(db);
  const account = await accounts.findByEmail(normaliseEmail(input.email));
  if (!account) return undefined;
  // An internal service registers no sector of its own: its sector is its callback's host, as for any client.
  const sector = new URL(`${input.service.baseUrl}${input.service.callbackPath}`).host;
  if (derivePairwiseSubject({ sector, accountId: account.id, accountSalt: account.subject_salt }) !== input.subject) return undefined;
  const accountMadeAt = Date.parse(account.created_at);
  const settledBefore = (input.now ?? new Date()).getTime() - METHOD_SETTLING_DAYS * 24 * 60 * 60 * 1000;
  return (await accounts.listMethodKindsWithDates(account.id)).map((method) => {
    const addedAt = Date.parse(method.created_at);
    // The first method is written in the account's own transaction, with the account's time: any
    // later one, even a minute later, was added by someone already signed in, perhaps by text message.
    return { kind: method.kind, settled: addedAt <= accountMadeAt || addedAt <= settledBefore };
  });
}
