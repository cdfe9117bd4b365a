import type { Kysely } from 'kysely';

/**
 * MOTO per account, as GOV.UK Pay's gateway accounts have it: `allow_moto` lets payments be
 * created with `moto: true`; `allow_authorisation_api` lets them be created with
 * `authorisation_mode: moto_api` and authorised through `POST /v1/auth`. Each payment keeps the
 * authorisation mode it was created with (`web` for every payment made before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('pay_account')
    .addColumn('allow_moto', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('pay_account')
    .addColumn('allow_authorisation_api', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('pay_payment')
    .addColumn('authorisation_mode', 'text', (column) => column.notNull().defaultTo('web'))
    .execute();
}
