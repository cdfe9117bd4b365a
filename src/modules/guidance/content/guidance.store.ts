import { sql } from 'kysely';
import type { Executor } from '../../../platform/db/database.ts';
import { lockIdOf, lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';

export type PageRow = { id: string; slug: string; type: string; created_at: string };
export type VersionRow = {
  page_id: string;
  lang: string;
  version: number;
  title: string;
  description: string;
  content: string;
  created_by: string;
  created_at: string;
};
type PublishedRow = { page_id: string; lang: string; version: number; published_at: string };
type StepLinkRow = { step_by_step_id: string; lang: string; slug: string };
type RevisionRow = { name: string; revision: number };

type GuidanceTables = {
  guidance_page: PageRow;
  guidance_version: VersionRow;
  guidance_published: PublishedRow;
  guidance_step_link: StepLinkRow;
  guidance_revision: RevisionRow;
};

/** The newest version of one language of a page, with the number of its published version if any (for the authors' list). */
export type LanguageSummaryRow = { slug: string; type: string; lang: string; version: number; title: string; published_version: number | null };

/** A published version with its page's slug and type, as pages and the search index read it. */
export type PublishedVersionRow = VersionRow & { slug: string; type: string; published_at: string };

const WRITES_LOCK = lockIdOf('guidance.writes');

export function createGuidanceStore() {
  const tables = (executor: Executor) => executor.withTables<GuidanceTables>();
  const publishedVersions = (executor: Executor) =>
    tables(executor)
      .selectFrom('guidance_published as p')
      .innerJoin('guidance_version as v', (join) =>
        join.onRef('v.page_id', '=', 'p.page_id').onRef('v.lang', '=', 'p.lang').onRef('v.version', '=', 'p.version'),
      )
      .innerJoin('guidance_page as g', 'g.id', 'p.page_id')
      .selectAll('v')
      .select(['g.slug', 'g.type', 'p.published_at']);
  const versionsNewestFirst = (executor: Executor, pageId: string, lang: string) =>
    tables(executor)
      .selectFrom('guidance_version')
      .selectAll()
      .where('page_id', '=', pageId)
      .where('lang', '=', lang)
      .orderBy('version', 'desc');

  return {
    /** Writes of guidance run one at a time, so version numbers and the revision never collide. */
    lockWrites: (transaction: Executor) => lockUntilTransactionEnds(transaction, WRITES_LOCK),

    async findPage(executor: Executor, slug: string): Promise<PageRow | undefined> {
      return tables(executor).selectFrom('guidance_page').selectAll().where('slug', '=', slug).executeTakeFirst();
    },
    async insertPage(executor: Executor, row: PageRow): Promise<void> {
      await tables(executor).insertInto('guidance_page').values(row).execute();
    },
    async findLatestVersion(executor: Executor, pageId: string, lang: string): Promise<VersionRow | undefined> {
      return versionsNewestFirst(executor, pageId, lang).limit(1).executeTakeFirst();
    },
    async findVersion(executor: Executor, key: { pageId: string; lang: string; version: number }): Promise<VersionRow | undefined> {
      return tables(executor)
        .selectFrom('guidance_version')
        .selectAll()
        .where('page_id', '=', key.pageId)
        .where('lang', '=', key.lang)
        .where('version', '=', key.version)
        .executeTakeFirst();
    },
    async insertVersion(executor: Executor, row: VersionRow): Promise<void> {
      await tables(executor).insertInto('guidance_version').values(row).execute();
    },
    /** Every version of one language of a page, newest first. */
    async listVersions(executor: Executor, pageId: string, lang: string): Promise<VersionRow[]> {
      return versionsNewestFirst(executor, pageId, lang).execute();
    },
    async findPublishedVersionNumber(executor: Executor, pageId: string, lang: string): Promise<number | undefined> {
      const row = await tables(executor)
        .selectFrom('guidance_published')
        .select('version')
        .where('page_id', '=', pageId)
        .where('lang', '=', lang)
        .executeTakeFirst();
      return row?.version;
    },
    async setPublished(executor: Executor, row: PublishedRow): Promise<void> {
      const db = tables(executor);
      await db.deleteFrom('guidance_published').where('page_id', '=', row.page_id).where('lang', '=', row.lang).execute();
      await db.insertInto('guidance_published').values(row).execute();
    },
    async replaceStepLinks(executor: Executor, key: { stepByStepId: string; lang: string; slugs: readonly string[] }): Promise<void> {
      const db = tables(executor);
      await db.deleteFrom('guidance_step_link').where('step_by_step_id', '=', key.stepByStepId).where('lang', '=', key.lang).execute();
      if (key.slugs.length === 0) return;
      await db
        .insertInto('guidance_step_link')
        .values(key.slugs.map((slug) => ({ step_by_step_id: key.stepByStepId, lang: key.lang, slug })))
        .execute();
    },
    async countRevision(executor: Executor): Promise<void> {
      await tables(executor)
        .updateTable('guidance_revision')
        .set({ revision: sql<number>`revision + 1` })
        .where('name', '=', 'published')
        .execute();
    },
    async readRevision(executor: Executor): Promise<number> {
      const row = await tables(executor).selectFrom('guidance_revision').select('revision').where('name', '=', 'published').executeTakeFirst();
      return row?.revision ?? 0;
    },
    async findPublished(executor: Executor, slug: string, lang: string): Promise<PublishedVersionRow | undefined> {
      return publishedVersions(executor).where('g.slug', '=', slug).where('p.lang', '=', lang).executeTakeFirst();
    },
    /** The languages a page is published in. */
    async listPublishedLanguages(executor: Executor, slug: string): Promise<string[]> {
      const rows = await tables(executor)
        .selectFrom('guidance_published as p')
        .innerJoin('guidance_page as g', 'g.id', 'p.page_id')
        .select('p.lang')
        .where('g.slug', '=', slug)
        .orderBy('p.lang')
        .execute();
      return rows.map((row) => row.lang);
    },
    /** Every published version, in a stable order (slug, then language). */
    async listPublished(executor: Executor): Promise<PublishedVersionRow[]> {
      return publishedVersions(executor).orderBy('g.slug').orderBy('p.lang').execute();
    },
    /** Every page's newest version in each language it has, with its published version's number: by slug, then language. */
    async listLanguageSummaries(executor: Executor): Promise<LanguageSummaryRow[]> {
      return tables(executor)
        .selectFrom('guidance_version as v')
        .innerJoin('guidance_page as g', 'g.id', 'v.page_id')
        .leftJoin('guidance_published as p', (join) => join.onRef('p.page_id', '=', 'v.page_id').onRef('p.lang', '=', 'v.lang'))
        .select(['g.slug', 'g.type', 'v.lang', 'v.version', 'v.title', 'p.version as published_version'])
        .where('v.version', '=', (eb) =>
          eb.selectFrom('guidance_version as newest').select((inner) => inner.fn.max('newest.version').as('latest')).whereRef('newest.page_id', '=', 'v.page_id').whereRef('newest.lang', '=', 'v.lang'),
        )
        .orderBy('g.slug')
        .orderBy('v.lang')
        .execute();
    },
    /** The published step-by-steps, in one language, whose steps link to the page `slug`. */
    async listStepByStepsLinkingTo(executor: Executor, slug: string, lang: string): Promise<PublishedVersionRow[]> {
      return publishedVersions(executor)
        .innerJoin('guidance_step_link as l', (join) => join.onRef('l.step_by_step_id', '=', 'p.page_id').onRef('l.lang', '=', 'p.lang'))
        .where('l.slug', '=', slug)
        .where('p.lang', '=', lang)
        .orderBy('g.slug')
        .execute();
    },
  };
}

export type GuidanceStore = ReturnType<typeof createGuidanceStore>;
