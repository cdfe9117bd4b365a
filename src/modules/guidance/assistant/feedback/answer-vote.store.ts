import type { Executor } from '../../../../platform/db/database.ts';

type VoteTables = { guidance_answer_vote: { answer_id: string; voted_at: string } };

export function createAnswerVoteStore() {
  const tables = (executor: Executor) => executor.withTables<VoteTables>();
  return {
    /** Records the one vote an answer may have: true when this is it, false when it was given before. */
    async claim(executor: Executor, vote: { answerId: string; votedAt: string }): Promise<boolean> {
      const inserted = await tables(executor)
        .insertInto('guidance_answer_vote')
        .values({ answer_id: vote.answerId, voted_at: vote.votedAt })
        .onConflict((conflict) => conflict.column('answer_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    /** Forgets votes given before `before`: by then no ticket for their answers is accepted. */
    async deleteBefore(executor: Executor, before: string): Promise<void> {
      await tables(executor).deleteFrom('guidance_answer_vote').where('voted_at', '<', before).execute();
    },
  };
}

export type AnswerVoteStore = ReturnType<typeof createAnswerVoteStore>;
