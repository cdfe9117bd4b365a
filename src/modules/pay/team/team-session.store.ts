import type { Executor } from '../../../platform/db/database.ts';

export type TeamSessionRow = {
  id_hash: string;
  account_id: string;
  key_id: string;
  live: number;
  created_at: string;
  expires_at: string;
};

export type ActiveTeamSession = {
  account_id: string;
  account_name: string;
  key_id: string;
  live: number;
  expires_at: string;
};

type TeamTables = {
  pay_team_session: TeamSessionRow;
  pay_api_key: { id: string; revoked_at: string | null };
  pay_account: { id: string; name: string };
};

export function createTeamSessionStore() {
  const tables = (executor: Executor) => executor.withTables<TeamTables>();

  return {
    async insert(executor: Executor, row: TeamSessionRow): Promise<void> {
      await tables(executor).insertInto('pay_team_session').values(row).execute();
    },

    /** A session that has not expired and whose key has not been revoked. */
    async findActive(executor: Executor, query: { idHash: string; now: string }): Promise<ActiveTeamSession | undefined> {
      return tables(executor)
        .selectFrom('pay_team_session')
        .innerJoin('pay_api_key', 'pay_api_key.id', 'pay_team_session.key_id')
        .innerJoin('pay_account', 'pay_account.id', 'pay_team_session.account_id')
        .select([
          'pay_team_session.account_id',
          'pay_account.name as account_name',
          'pay_team_session.key_id',
          'pay_team_session.live',
          'pay_team_session.expires_at',
        ])
        .where('pay_team_session.id_hash', '=', query.idHash)
        .where('pay_team_session.expires_at', '>', query.now)
        .where('pay_api_key.revoked_at', 'is', null)
        .executeTakeFirst();
    },

    async delete(executor: Executor, idHash: string): Promise<void> {
      await tables(executor).deleteFrom('pay_team_session').where('id_hash', '=', idHash).execute();
    },

    async deleteExpired(executor: Executor, now: string): Promise<void> {
      await tables(executor).deleteFrom('pay_team_session').where('expires_at', '<=', now).execute();
    },
  };
}

export type TeamSessionStore = ReturnType<typeof createTeamSessionStore>;
