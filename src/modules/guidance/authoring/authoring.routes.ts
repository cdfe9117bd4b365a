import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLocale, type Locale } from '../../../platform/http/i18n.ts';
import { requireOperator, teamOperatorOf } from '../../../platform/http/team-access.ts';
import { checkDraft, isPageType, LIMITS, pageSlugRefusalOf, PAGE_TYPES, type PageContent, type PageDraft, type PageType } from '../content/guidance-content.ts';
import type { GuidanceLibrary } from '../content/guidance-library.ts';
import { GuidanceError, type PageRefusal } from '../guidance.errors.ts';
import { contentOf, ImportRefusal } from '../import/parse-markdown-file.ts';
import { renderVersion, sourceOf } from './page-source.ts';

/** Under the console's operator pages, so the console's session cookie (path /console) is sent. */
export const AUTHORING_PATH = '/console/operator/guidance';
const VIEWS = 'modules/guidance/authoring/views';
/** `basedOn`: the newest version when the edit form was opened (hidden), so no author overwrites another's newer version unawares. */
const FIELDS = ['title', 'slug', 'type', 'lang', 'description', 'body', 'basedOn'] as const;
type Field = (typeof FIELDS)[number];
const ACTIONS = ['preview', 'draft', 'publish', 'change'] as const;
type Action = (typeof ACTIONS)[number];
type FormValues = Record<Field, string>;
export type FieldError = { field: Field; key: string; parameters?: Record<string, number>; status?: number };

/** Which field each of checkDraft's refusals belongs to, and its message: every rule has one (the type says so). */
export const REFUSALS: Record<PageRefusal, { field: Field; key: string; parameters?: Record<string, number> }> = {
  SLUG_INVALID: { field: 'slug', key: 'slugInvalid', parameters: { max: LIMITS.slug } },
  SLUG_RESERVED: { field: 'slug', key: 'slugReserved' },
  TITLE_MISSING: { field: 'title', key: 'titleMissing' },
  TITLE_TOO_LONG: { field: 'title', key: 'titleTooLong', parameters: { max: LIMITS.title } },
  DESCRIPTION_TOO_LONG: { field: 'description', key: 'descriptionTooLong', parameters: { max: LIMITS.description } },
  TEXT_TOO_LONG: { field: 'body', key: 'bodyTooLong', parameters: { max: LIMITS.markdown } },
  NO_PARTS: { field: 'body', key: 'noParts' },
  TOO_MANY_PARTS: { field: 'body', key: 'tooManyParts', parameters: { max: LIMITS.parts } },
  PART_TITLE_MISSING: { field: 'body', key: 'partTitle' },
  PART_SLUG_INVALID: { field: 'body', key: 'partSlug' },
  // Part slugs are made from titles, so two parts with one slug is two with the same title.
  PARTS_SAME_SLUG: { field: 'body', key: 'partsSameTitle' },
  ANSWER_EMPTY: { field: 'body', key: 'answerEmpty' },
  NO_STEPS: { field: 'body', key: 'noSteps' },
  TOO_MANY_STEPS: { field: 'body', key: 'tooManySteps', parameters: { max: LIMITS.steps } },
  STEP_TITLE_MISSING: { field: 'body', key: 'stepTitle' },
  FIRST_STEP_JOINED: { field: 'body', key: 'firstStep' },
};

/** The field and message of one of the library's refusals, by its code (never its English words). */
export function fieldErrorOf(error: GuidanceError): FieldError {
  if (error.code === 'guidance.TYPE_CHANGED') return { field: 'type', key: 'typeChanged' };
  const known = error.refusal && REFUSALS[error.refusal];
  return known ? { ...known } : { field: 'body', key: 'invalid' };
}

function notFound(): never {
  throw new GuidanceError('guidance.PAGE_NOT_FOUND', 'There is no such guidance page', 404);
}

/** A version in an address: its own decimal digits only, no sign, point, exponent or leading zero. */
const VERSION_DIGITS = '^[1-9][0-9]{0,9}$';
const slugSchema = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: LIMITS.slug } as const;
const langSchema = { type: 'string', enum: ['en', 'cy'] } as const;
const pageParams = { type: 'object', properties: { slug: slugSchema, lang: langSchema }, required: ['slug', 'lang'] } as const;
const versionParams = {
  type: 'object',
  // A string, so that nothing is coerced: only a version's own digits ('1', never '1.0', '01', '+1' or '1e0') name it.
  properties: { slug: slugSchema, lang: langSchema, version: { type: 'string', pattern: VERSION_DIGITS } },
  required: ['slug', 'lang', 'version'],
} as const;
const doneQuery = { type: 'object', properties: { done: { type: 'string', maxLength: 20 } } } as const;
const formBody = {
  type: 'object',
  properties: { ...Object.fromEntries(FIELDS.map((field) => [field, { type: 'string' }])), action: { type: 'string', enum: ACTIONS } },
} as const;
// A slug, language or version that could not be a page's is the same "not found" as one that is not one.
const notFoundOnBadParams = { attachValidation: true } as const;

type PageParams = { slug: string; lang: Locale };
type VersionParams = PageParams & { version: string };

/** The version a path names, or the same 404 as a version that is not there. */
function versionNumberOf(digits: string): number {
  const version = Number(digits);
  if (!new RegExp(VERSION_DIGITS).test(digits) || version > 2_147_483_647) notFound();
  return version;
}
type Done = { done?: string };
type FormRequest = FastifyRequest<{ Params: Partial<PageParams>; Body: Partial<FormValues> & { action?: Action } }>;

const pagePath = (slug: string, lang: Locale) => `${AUTHORING_PATH}/${slug}/${lang}`;

/**
 * The operators' pages for writing guidance: every page with the state of each language, a form to
 * create a page or write a new version of one language (previewed as a person would see it, saved
 * as a draft or published), and each language's history, any version of which may be viewed and
 * published again. Let in as the console's own operator pages are (`requireOperator`); every
 * change goes through the library, which audits it as the operator.
 */
export async function registerAuthoringPages(app: FastifyInstance, dependencies: { library: GuidanceLibrary }): Promise<void> {
  const { library } = dependencies;

  function chrome(request: FastifyRequest, pageTitle: string, backLink: string) {
    const operator = teamOperatorOf(request);
    return { pageTitle, serviceName: operator.console.name, serviceUrl: operator.console.href, navigation: operator.navigation, backLink, base: AUTHORING_PATH };
  }
  const typeName = (request: FastifyRequest, type: string) => request.t(`guidance.authoring.types.${type}`);
  const langName = (request: FastifyRequest, lang: string) => request.t(`guidance.authoring.languages.${lang}`);
  const doneBanner = (request: FastifyRequest<{ Querystring: Done }>) => {
    const done = request.query.done;
    return done === 'saved' || done === 'published' || done === 'unchanged' ? request.t(`guidance.authoring.done.${done}`) : undefined;
  };

  /** The form, with what was typed and each error on its field. */
  function renderForm(request: FormRequest, reply: FastifyReply, form: { values: FormValues; editing?: PageParams & { type: PageType }; errors?: FieldError[] }) {
    const { t } = request;
    const errors = form.errors ?? [];
    const messageOf = (field: Field) => {
      const error = errors.find((candidate) => candidate.field === field);
      return error && { text: t(`guidance.authoring.errors.${error.key}`, error.parameters) };
    };
    const { editing } = form;
    const title = editing ? t('guidance.authoring.form.editTitle', { slug: editing.slug, language: langName(request, editing.lang) }) : t('guidance.authoring.form.createTitle');
    return reply.code(errors.length > 0 ? (errors[0]!.status ?? 400) : 200).render(`${VIEWS}/page-form.njk`, {
      ...chrome(request, title, editing ? `${pagePath(editing.slug, editing.lang)}/history` : AUTHORING_PATH),
      // The summary lists the errors in the order of the fields on the form.
      errors: [...errors]
        .sort((a, b) => FIELDS.indexOf(a.field) - FIELDS.indexOf(b.field))
        .map((error) => ({ text: t(`guidance.authoring.errors.${error.key}`, error.parameters), href: `#${error.field}` })),
      action: editing ? `${pagePath(editing.slug, editing.lang)}/edit` : `${AUTHORING_PATH}/new`,
      editing: editing && { ...editing, typeName: typeName(request, editing.type), language: langName(request, editing.lang) },
      values: form.values,
      fieldErrors: Object.fromEntries(FIELDS.map((field) => [field, messageOf(field)])),
      types: PAGE_TYPES.map((type) => ({ value: type, text: typeName(request, type), checked: form.values.type === type })),
      languages: (['en', 'cy'] as const).map((lang) => ({ value: lang, text: langName(request, lang), checked: form.values.lang === lang })),
      limits: LIMITS,
    });
  }

  /**
   * A guide's parts are addressed by slugs made from their titles; a part whose title is unchanged
   * keeps the address it had (an imported guide's parts may have slugs of their own), so editing
   * the text does not move it.
   */
  async function keepPartAddresses(editing: PageParams, content: Extract<PageContent, { type: 'guide' }>): Promise<PageContent> {
    const latest = await library.findLatestVersion(editing.slug, editing.lang);
    if (latest?.content.type !== 'guide') return content;
    const slugByTitle = new Map(latest.content.parts.map((part) => [part.title, part.slug]));
    return { ...content, parts: content.parts.map((part) => ({ ...part, slug: slugByTitle.get(part.title) ?? part.slug })) };
  }

  /** Reads the form into a draft, or the errors on its fields. */
  async function readDraft(values: FormValues, editing: (PageParams & { type: PageType }) | undefined): Promise<{ draft?: PageDraft; errors: FieldError[] }> {
    const errors: FieldError[] = [];
    if (!editing) {
      const slugRefusal = pageSlugRefusalOf(values.slug);
      if (values.slug === '') errors.push({ field: 'slug', key: 'slugMissing' });
      else if (slugRefusal) errors.push({ ...REFUSALS[slugRefusal] });
      if (!isPageType(values.type)) errors.push({ field: 'type', key: 'typeMissing' });
      if (!isLocale(values.lang)) errors.push({ field: 'lang', key: 'langMissing' });
      if (errors.length === 0) {
        const existing = await library.findPageType(values.slug);
        if (existing && existing !== values.type) errors.push({ field: 'type', key: 'typeChanged' });
        else if (existing) errors.push({ field: 'slug', key: 'slugTaken' });
      }
    }
    if (values.title.trim() === '') errors.push({ field: 'title', key: 'titleMissing' });
    if (errors.length > 0) return { errors };
    const type = editing?.type ?? (values.type as PageType);
    let content: PageContent;
    try {
      content = contentOf(type, values.body);
    } catch (error) {
      if (error instanceof ImportRefusal) return { errors: [{ field: 'body', key: 'textBeforeFirstPart' }] };
      throw error;
    }
    if (editing && content.type === 'guide') content = await keepPartAddresses(editing, content);
    try {
      const draft = checkDraft({ slug: editing?.slug ?? values.slug, lang: editing?.lang ?? (values.lang as Locale), title: values.title, description: values.description, content });
      return { draft, errors: [] };
    } catch (error) {
      if (error instanceof GuidanceError) return { errors: [fieldErrorOf(error)] };
      throw error;
    }
  }

  async function answerForm(request: FormRequest, reply: FastifyReply, editing: (PageParams & { type: PageType }) | undefined) {
    const body = request.body ?? {};
    const values = Object.fromEntries(FIELDS.map((field) => [field, body[field] ?? ''])) as FormValues;
    if (editing) Object.assign(values, { slug: editing.slug, type: editing.type, lang: editing.lang });
    const { draft, errors } = await readDraft(values, editing);
    if (!draft) return renderForm(request, reply, { values, editing, errors });
    const action = body.action ?? 'preview';
    if (action === 'change') return renderForm(request, reply, { values, editing });
    if (action === 'preview') {
      return reply.render(`${VIEWS}/preview.njk`, {
        ...chrome(request, request.t('guidance.authoring.preview.title', { title: draft.title }), editing ? `${pagePath(editing.slug, editing.lang)}/history` : AUTHORING_PATH),
        action: editing ? `${pagePath(editing.slug, editing.lang)}/edit` : `${AUTHORING_PATH}/new`,
        values,
        fields: FIELDS,
        rendered: renderVersion(draft, request.t),
      });
    }
    // An edit saves only over the version it started from; a missing or forged number is a conflict too.
    // Its own digits only, as a version in an address: 01 is no version the form gave.
    const basedOn = editing ? (/^(?:0|[1-9]\d{0,9})$/.test(values.basedOn) ? Number(values.basedOn) : -1) : undefined;
    try {
      const outcome = await library.save({ draft, actor: teamOperatorOf(request).actor, publish: action === 'publish', ...(basedOn === undefined ? {} : { basedOn }) });
      const done = outcome.status === 'unchanged' && !(action === 'publish') ? 'unchanged' : action === 'publish' ? 'published' : 'saved';
      return reply.redirect(`${pagePath(draft.slug, draft.lang)}/history?done=${done}`, 303);
    } catch (error) {
      if (error instanceof GuidanceError && error.code === 'guidance.VERSION_CONFLICT' && editing) {
        // Their text is kept; saving again (now based on the newest) is their informed choice.
        const newest = (await library.findLatestVersion(editing.slug, editing.lang))?.version ?? 0;
        return renderForm(request, reply, { values: { ...values, basedOn: String(newest) }, editing, errors: [{ field: 'body', key: 'conflict', parameters: { version: newest }, status: 409 }] });
      }
      // Another author made the slug a page of another type since the form was read.
      if (error instanceof GuidanceError && (error.code === 'guidance.TYPE_CHANGED' || error.code === 'guidance.INVALID_PAGE')) {
        return renderForm(request, reply, { values, editing, errors: [fieldErrorOf(error)] });
      }
      throw error;
    }
  }

  /** The page being edited (404 if there is none); its type comes from the library, never the form. */
  async function editingOf(params: PageParams): Promise<PageParams & { type: PageType }> {
    const type = await library.findPageType(params.slug);
    if (!type) notFound();
    return { ...params, type };
  }

  await app.register(async (pages) => {
    pages.addHook('preHandler', requireOperator);

    pages.get<{ Querystring: Done }>(AUTHORING_PATH, { schema: { querystring: doneQuery } }, async (request, reply) => {
      const all = await library.listPages();
      return reply.render(`${VIEWS}/page-list.njk`, {
        ...chrome(request, request.t('guidance.authoring.list.title'), '/console/operator'),
        pages: all.map((page) => ({
          ...page,
          typeName: typeName(request, page.type),
          languages: page.languages.map((language) => ({
            ...language,
            name: langName(request, language.lang),
            href: pagePath(page.slug, language.lang),
            state:
              language.published === undefined
                ? request.t('guidance.authoring.list.notPublished', { latest: language.latest })
                : language.published === language.latest
                  ? request.t('guidance.authoring.list.published', { version: language.published })
                  : request.t(language.published < language.latest ? 'guidance.authoring.list.newerDraft' : 'guidance.authoring.list.olderPublished', { version: language.published, latest: language.latest }),
          })),
          missing: (['en', 'cy'] as const).filter((lang) => !page.languages.some((language) => language.lang === lang)).map((lang) => ({ href: `${pagePath(page.slug, lang)}/edit`, name: langName(request, lang) })),
        })),
      });
    });

    pages.get(`${AUTHORING_PATH}/new`, async (request, reply) =>
      renderForm(request as FormRequest, reply, { values: { title: '', slug: '', type: '', lang: request.locale, description: '', body: '', basedOn: '' } }),
    );
    pages.post<{ Body: Partial<FormValues> & { action?: Action } }>(`${AUTHORING_PATH}/new`, { schema: { body: formBody } }, (request, reply) => answerForm(request as FormRequest, reply, undefined));

    pages.get<{ Params: PageParams }>(`${AUTHORING_PATH}/:slug/:lang/edit`, { schema: { params: pageParams }, ...notFoundOnBadParams }, async (request, reply) => {
      if (request.validationError) notFound();
      const editing = await editingOf(request.params);
      // Editing starts from the newest version of the language, published or not.
      const latest = await library.findLatestVersion(editing.slug, editing.lang);
      const values = { title: latest?.title ?? '', slug: editing.slug, type: editing.type, lang: editing.lang, description: latest?.description ?? '', body: latest ? sourceOf(latest.content) : '', basedOn: String(latest?.version ?? 0) };
      return renderForm(request as FormRequest, reply, { values, editing });
    });
    pages.post<{ Params: PageParams; Body: Partial<FormValues> & { action?: Action } }>(
      `${AUTHORING_PATH}/:slug/:lang/edit`,
      { schema: { params: pageParams, body: formBody }, ...notFoundOnBadParams },
      async (request, reply) => {
        if (request.validationError) {
          if (request.validationError.validationContext === 'params') notFound();
          throw request.validationError;
        }
        return answerForm(request as FormRequest, reply, await editingOf(request.params));
      },
    );

    pages.get<{ Params: PageParams; Querystring: Done }>(`${AUTHORING_PATH}/:slug/:lang/history`, { schema: { params: pageParams, querystring: doneQuery }, ...notFoundOnBadParams }, async (request, reply) => {
      if (request.validationError) notFound();
      const { slug, lang } = request.params;
      const history = await library.listHistory(slug, lang);
      const type = (await library.findPageType(slug))!;
      const other: Locale = lang === 'en' ? 'cy' : 'en';
      return reply.render(`${VIEWS}/history.njk`, {
        ...chrome(request, request.t('guidance.authoring.history.title', { title: history[0]?.title ?? slug, language: langName(request, lang) }), AUTHORING_PATH),
        done: doneBanner(request),
        slug,
        typeName: typeName(request, type),
        language: langName(request, lang),
        editHref: `${pagePath(slug, lang)}/edit`,
        other: { href: `${pagePath(slug, other)}/history`, name: langName(request, other) },
        publicHref: type === 'step-by-step' ? `/step-by-step/${slug}?lang=${lang}` : `/guidance/${slug}?lang=${lang}`,
        versions: history.map((entry) => ({ ...entry, href: `${pagePath(slug, lang)}/versions/${entry.version}` })),
      });
    });

    pages.get<{ Params: VersionParams }>(`${AUTHORING_PATH}/:slug/:lang/versions/:version`, { schema: { params: versionParams }, ...notFoundOnBadParams }, async (request, reply) => {
      if (request.validationError) notFound();
      const { slug, lang } = request.params;
      const number = versionNumberOf(request.params.version);
      const version = await library.findVersion(slug, lang, number);
      if (!version) notFound();
      const history = await library.listHistory(slug, lang);
      const published = history.find((entry) => entry.published);
      return reply.render(`${VIEWS}/version.njk`, {
        ...chrome(request, request.t('guidance.authoring.version.title', { version: number, title: version.title }), `${pagePath(slug, lang)}/history`),
        version: { number, createdBy: version.createdBy, createdAt: version.createdAt, published: published?.version === number },
        publishedVersion: published?.version,
        publishAction: `${pagePath(slug, lang)}/versions/${number}/publish`,
        rendered: renderVersion(version, request.t),
      });
    });
    pages.post<{ Params: VersionParams }>(`${AUTHORING_PATH}/:slug/:lang/versions/:version/publish`, { schema: { params: versionParams }, ...notFoundOnBadParams }, async (request, reply) => {
      if (request.validationError) notFound();
      const { slug, lang } = request.params;
      const version = versionNumberOf(request.params.version);
      // The library answers 404 for a page or version that is not there.
      await library.publish({ slug, lang, version, actor: teamOperatorOf(request).actor });
      return reply.redirect(`${pagePath(slug, lang)}/history?done=published`, 303);
    });
  });
}
