import type { Database } from '../../../platform/db/database.ts';
import { createAccountStore, type SecurityMethodKind } from '../accounts/account.store.ts';
import { normaliseEmail } from '../accounts/account.service.ts';
import { derivePairwiseSubject } from '../provider/pairwise-subject.ts';
import type { InternalClientSpec } from './internal-clients.ts';

/**
 * The kinds of security method of the account an internal service knows by `subject`. The
 * subject is pairwise and cannot be turned back into an account, so the account is found by the
 * email address the service was given with it and kept only if it derives the same subject for
 * that service's sector: an address since moved to another account finds nothing.
 */
export async function findMethodsOfInternalSubject(
  db: Database,
  input: { service: Pick<InternalClientSpec, 'baseUrl' | 'callbackPath'>; subject: string; email: string },
): Promise<SecurityMethodKind[] | undefined> {
  const accounts = createAccountStore(db);
  const account = await accounts.findByEmail(normaliseEmail(input.email));
  if (!account) return undefined;
  // An internal service registers no sector of its own: its sector is its callback's host, as for any client.
  const sector = new URL(`${input.service.baseUrl}${input.service.callbackPath}`).host;
  if (derivePairwiseSubject({ sector, accountId: account.id, accountSalt: account.subject_salt }) !== input.subject) return undefined;
  return accounts.listMethodKinds(account.id);
}
