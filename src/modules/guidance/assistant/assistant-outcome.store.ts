import { sql } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';

type OutcomeRow = { day: string; outcome: string; count: number };
type OutcomeTables = { guidance_assistant_outcome: OutcomeRow };

export function createAssistantOutcomeStore() {
  const tables = (executor: Executor) => executor.withTables<OutcomeTables>();
  return {
    async count(executor: Executor, key: { day: string; outcome: string }): Promise<void> {
      await tables(executor)
        .insertInto('guidance_assistant_outcome')
        .values({ ...key, count: 1 })
        .onConflict((conflict) => conflict.columns(['day', 'outcome']).doUpdateSet({ count: sql<number>`guidance_assistant_outcome.count + 1` }))
        .execute();
    },
    async list(executor: Executor, since: string): Promise<OutcomeRow[]> {
      return tables(executor).selectFrom('guidance_assistant_outcome').selectAll().where('day', '>=', since).orderBy('day').orderBy('outcome').execute();
    },
  };
}

export type AssistantOutcomeStore = ReturnType<typeof createAssistantOutcomeStore>;
