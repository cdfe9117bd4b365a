import { randomUUID } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { isLocale, type Locale } from '../../../platform/http/i18n.ts';
import { GuidanceError } from '../guidance.errors.ts';
import { checkDraft, linkedGuidanceSlugs, type PageContent, type PageDraft, type PageType } from './guidance-content.ts';
import type { GuidanceStore, PublishedVersionRow, VersionRow } from './guidance.store.ts';

/** One version of one language of a page. */
export type PageVersion = {
  slug: string;
  type: PageType;
  lang: Locale;
  version: number;
  title: string;
  description: string;
  content: PageContent;
  createdBy: string;
  createdAt: string;
};
export type PublishedPage = PageVersion & { publishedAt: string };
export type VersionSummary = Pick<PageVersion, 'version' | 'title' | 'createdBy' | 'createdAt'> & { published: boolean };
/** A page as its authors see it: each language's newest version, and which version of it is published. */
export type PageSummary = {
  slug: string;
  type: PageType;
  /** The newest version's title, in English if the page has English. */
  title: string;
  languages: Array<{ lang: Locale; latest: number; published?: number }>;
};
export type SaveOutcome = { status: 'created' | 'updated' | 'unchanged'; version: number; published: boolean };

function toVersion(row: VersionRow, page: { slug: string; type: string }): PageVersion {
  return {
    slug: page.slug,
    type: page.type as PageType,
    lang: isLocale(row.lang) ? row.lang : 'en',
    version: row.version,
    title: row.title,
    description: row.description,
    content: JSON.parse(row.content) as PageContent,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function toPublished(row: PublishedVersionRow): PublishedPage {
  return { ...toVersion(row, row), publishedAt: row.published_at };
}

/**
 * Guidance pages and their history. Every change is a new version of one language of a page;
 * the published version of each language is the one served. A page's languages share its slug
 * and type: the Welsh of `/guidance/blue-badge` is that page's `cy` versions.
 */
export function createGuidanceLibrary(dependencies: { db: Database; store: GuidanceStore; audit: AuditService; clock?: () => Date }) {
  const { db, store, audit } = dependencies;
  const now = () => (dependencies.clock ?? (() => new Date()))().toISOString();

  async function publishVersion(transaction: Executor, page: { id: string; slug: string }, version: VersionRow, actor: string): Promise<void> {
    await store.setPublished(transaction, { page_id: page.id, lang: version.lang, version: version.version, published_at: now() });
    const content = JSON.parse(version.content) as PageContent;
    await store.replaceStepLinks(transaction, { stepByStepId: page.id, lang: version.lang, slugs: linkedGuidanceSlugs(content) });
    await store.countRevision(transaction);
    await audit.record(
      { actor, action: 'guidance.page.published', subject: `guidance:${page.slug}`, outcome: 'success', details: { lang: version.lang, version: version.version } },
      transaction,
    );
  }

  async function requirePage(executor: Executor, slug: string) {
    const page = await store.findPage(executor, slug);
    if (!page) throw new GuidanceError('guidance.PAGE_NOT_FOUND', `There is no page with the slug "${slug}"`, 404);
    return page;
  }

  return {
    /**
     * Saves a draft as a new version (none if it says what the newest already says) and, if asked,
     * publishes it. `basedOn`: the newest version number the author started from (0 for none); if
     * another has been saved since, nothing is saved (an author's form never overwrites another's).
     */
    async save(input: { draft: PageDraft; actor: string; publish: boolean; basedOn?: number }): Promise<SaveOutcome> {
      const draft = checkDraft(input.draft);
      const content = JSON.stringify(draft.content);
      return db.transaction().execute(async (transaction) => {
        await store.lockWrites(transaction);
        let page = await store.findPage(transaction, draft.slug);
        if (page && page.type !== draft.content.type) {
          throw new GuidanceError('guidance.TYPE_CHANGED', `The page "${draft.slug}" is of type ${page.type}; it cannot become of type ${draft.content.type}`);
        }
        const created = !page;
        if (!page) {
          page = { id: randomUUID(), slug: draft.slug, type: draft.content.type, created_at: now() };
          await store.insertPage(transaction, page);
        }
        const latest = await store.findLatestVersion(transaction, page.id, draft.lang);
        if (input.basedOn !== undefined && (latest?.version ?? 0) !== input.basedOn) {
          throw new GuidanceError('guidance.VERSION_CONFLICT', `Version ${latest?.version ?? 0} of "${draft.slug}" in ${draft.lang} was saved after version ${input.basedOn}`, 409);
        }
        const unchanged = latest && latest.title === draft.title && latest.description === draft.description && latest.content === content;
        let version = latest;
        if (!unchanged) {
          version = {
            page_id: page.id,
            lang: draft.lang,
            version: (latest?.version ?? 0) + 1,
            title: draft.title,
            description: draft.description,
            content,
            created_by: input.actor,
            created_at: now(),
          };
          await store.insertVersion(transaction, version);
          // Who saved which version; the text itself is in the version, not the trail.
          await audit.record(
            { actor: input.actor, action: 'guidance.page.saved', subject: `guidance:${draft.slug}`, outcome: 'success', details: { lang: draft.lang, version: version.version } },
            transaction,
          );
        }
        const publishedNumber = await store.findPublishedVersionNumber(transaction, page.id, draft.lang);
        if (input.publish && publishedNumber !== version!.version) await publishVersion(transaction, page, version!, input.actor);
        return {
          status: unchanged ? 'unchanged' : created || !latest ? 'created' : 'updated',
          version: version!.version,
          published: input.publish || publishedNumber === version!.version,
        };
      });
    },

    /** Serves an earlier or a newer version of one language of a page in place of the published one. */
    async publish(input: { slug: string; lang: Locale; version: number; actor: string }): Promise<void> {
      await db.transaction().execute(async (transaction) => {
        await store.lockWrites(transaction);
        const page = await requirePage(transaction, input.slug);
        const version = await store.findVersion(transaction, { pageId: page.id, lang: input.lang, version: input.version });
        if (!version) throw new GuidanceError('guidance.VERSION_NOT_FOUND', `The page "${input.slug}" has no version ${input.version} in ${input.lang}`, 404);
        await publishVersion(transaction, page, version, input.actor);
      });
    },

    async findPublished(slug: string, lang: Locale): Promise<PublishedPage | undefined> {
      const row = await store.findPublished(db, slug, lang);
      return row && toPublished(row);
    },

    async listPublishedLanguages(slug: string): Promise<Locale[]> {
      return (await store.listPublishedLanguages(db, slug)).filter(isLocale);
    },

    async listPublished(): Promise<PublishedPage[]> {
      return (await store.listPublished(db)).map(toPublished);
    },

    /** The published step-by-steps in this language that the page is part of. */
    async listStepBySteps(slug: string, lang: Locale): Promise<PublishedPage[]> {
      return (await store.listStepByStepsLinkingTo(db, slug, lang)).map(toPublished);
    },

    async listHistory(slug: string, lang: Locale): Promise<VersionSummary[]> {
      const page = await requirePage(db, slug);
      const published = await store.findPublishedVersionNumber(db, page.id, lang);
      const rows = await store.listVersions(db, page.id, lang);
      return rows.map((row) => ({ version: row.version, title: row.title, createdBy: row.created_by, createdAt: row.created_at, published: row.version === published }));
    },

    /** Every page, published or not, by slug. */
    async listPages(): Promise<PageSummary[]> {
      const pages = new Map<string, PageSummary>();
      for (const row of await store.listLanguageSummaries(db)) {
        if (!isLocale(row.lang)) continue;
        const page = pages.get(row.slug) ?? { slug: row.slug, type: row.type as PageType, title: row.title, languages: [] };
        if (row.lang === 'en') page.title = row.title;
        page.languages.push({ lang: row.lang, latest: row.version, ...(row.published_version === null ? {} : { published: row.published_version }) });
        pages.set(row.slug, page);
      }
      return [...pages.values()];
    },

    /** The page's type, if there is a page with this slug. */
    async findPageType(slug: string): Promise<PageType | undefined> {
      return (await store.findPage(db, slug))?.type as PageType | undefined;
    },

    /** The newest version of one language of a page, published or not. */
    async findLatestVersion(slug: string, lang: Locale): Promise<PageVersion | undefined> {
      const page = await store.findPage(db, slug);
      const row = page && (await store.findLatestVersion(db, page.id, lang));
      return row && page && toVersion(row, page);
    },

    async findVersion(slug: string, lang: Locale, version: number): Promise<PageVersion | undefined> {
      const page = await store.findPage(db, slug);
      const row = page && (await store.findVersion(db, { pageId: page.id, lang, version }));
      return row && page && toVersion(row, page);
    },

    /** A number that grows with every change to what is published, in any process. */
    readRevision: () => store.readRevision(db),
  };
}

export type GuidanceLibrary = ReturnType<typeof createGuidanceLibrary>;
