import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A suspended agreement (status 'suspended') refuses calls until the side that suspended it
  // resumes it: who suspended it, when, and for which side (provider or consumer). Null otherwise.
  await db.schema.alterTable('exchange_agreement').addColumn('suspended_by', 'text').execute();
  await db.schema.alterTable('exchange_agreement').addColumn('suspended_at', 'text').execute();
  await db.schema.alterTable('exchange_agreement').addColumn('suspended_side', 'text').execute();
}
