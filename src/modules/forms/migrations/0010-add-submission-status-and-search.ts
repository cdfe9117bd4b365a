import type { Kysely } from 'kysely';

const BATCH = 500;

/** Every text in an answer's stored JSON (values, names, addresses, file names), in lower case, one a line. */
function textsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value.toLowerCase()];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(textsIn);
  return [];
}

export async function up(db: Kysely<any>): Promise<void> {
  // The team marks a submission done (when, and which member, by the audit trail's pseudonym);
  // not done is new. `search_text` is the answers as the team reads them, in lower case, so the
  // console searches them in the database, a page at a time, never reading every answer.
  await db.schema.alterTable('forms_submission').addColumn('done_at', 'text').execute();
  await db.schema.alterTable('forms_submission').addColumn('done_by', 'text').execute();
  await db.schema.alterTable('forms_submission').addColumn('search_text', 'text', (column) => column.notNull().defaultTo('')).execute();
  // Submissions made before: the texts of their stored answers, a batch at a time.
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; answers: string }> = await db.selectFrom('forms_submission').select(['id', 'answers']).where('id', '>', after).orderBy('id').limit(BATCH).execute();
    for (const row of rows) {
      const answers = JSON.parse(row.answers) as Record<string, { values?: unknown[] }>;
      const text = Object.values(answers).flatMap((answer) => textsIn(answer.values ?? [])).join('\n');
      await db.updateTable('forms_submission').set({ search_text: text }).where('id', '=', row.id).execute();
    }
    if (rows.length < BATCH) break;
    after = rows.at(-1)?.id as string;
  }
}
