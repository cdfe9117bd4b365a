import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Locale } from '../../../platform/http/i18n.ts';
import type { GuidanceLibrary, PublishedPage } from '../content/guidance-library.ts';
import { LIMITS } from '../content/guidance-content.ts';
import { GuidanceError } from '../guidance.errors.ts';
import { buildGuidePage, buildStepByStepPage, buildStepBySteps, guidePath, stepByStepPath } from './page-models.ts';

const VIEWS = 'modules/guidance/pages';
const slugSchema = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: LIMITS.slug } as const;

function notFound(): never {
  throw new GuidanceError('guidance.PAGE_NOT_FOUND', 'There is no such guidance page', 404);
}

/**
 * The page in the request's language or, if it has no version in that language, in the other,
 * with `contentLang` telling the template to mark the text as that language.
 */
async function findInLanguage(library: GuidanceLibrary, slug: string, locale: Locale): Promise<{ page: PublishedPage; contentLang: Locale }> {
  const page = (await library.findPublished(slug, locale)) ?? (await library.findPublished(slug, locale === 'cy' ? 'en' : 'cy'));
  if (!page) notFound();
  return { page, contentLang: page.lang };
}

/**
 * A part's address in this language, for the address of the same part (by position) in the other:
 * parts are named in their own language, so the language switch on a part lands here.
 */
async function findSamePartInOtherLanguage(library: GuidanceLibrary, page: PublishedPage, part: string): Promise<string | undefined> {
  if (page.content.type !== 'guide') return undefined;
  const other = await library.findPublished(page.slug, page.lang === 'cy' ? 'en' : 'cy');
  if (other?.content.type !== 'guide') return undefined;
  const position = other.content.parts.findIndex((candidate) => candidate.slug === part);
  const samePart = position > 0 ? page.content.parts[position] : undefined;
  return samePart && guidePath(page.slug, samePart.slug);
}

export function registerGuidancePages(app: FastifyInstance, library: GuidanceLibrary): void {
  const showGuide = async (request: FastifyRequest<{ Params: { slug: string; part?: string } }>, reply: FastifyReply) => {
    const { slug, part } = request.params;
    const { page, contentLang } = await findInLanguage(library, slug, request.locale);
    if (page.type === 'step-by-step' && part === undefined) return reply.redirect(stepByStepPath(slug), 301);
    if (page.content.type === 'guide' && part === page.content.parts[0]?.slug) return reply.redirect(guidePath(slug), 301);
    const model = buildGuidePage(page, part, contentLang);
    if (!model) {
      const samePart = part === undefined ? undefined : await findSamePartInOtherLanguage(library, page, part);
      if (samePart !== undefined) return reply.redirect(samePart, 302);
      notFound();
    }
    const stepBySteps = buildStepBySteps(await library.listStepBySteps(slug, request.locale), slug, request.t);
    const pageTitle = model.part && !model.part.isFirst ? `${model.part.title}: ${model.title}` : model.title;
    return reply.render(`${VIEWS}/guide/guide.njk`, {
      pageTitle,
      page: model,
      contentLang,
      translated: contentLang === request.locale,
      publishedAt: page.publishedAt,
      stepBySteps,
    });
  };

  const params = (names: readonly string[]) => ({
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, slugSchema])),
    required: names,
  });
  // A slug that could not be a page's is the same "not found" as one that is not one.
  const notFoundOnBadParams = { attachValidation: true } as const;

  app.get<{ Params: { slug: string } }>('/guidance/:slug', { schema: { params: params(['slug']) }, ...notFoundOnBadParams }, async (request, reply) => {
    if (request.validationError) notFound();
    return showGuide(request, reply);
  });
  app.get<{ Params: { slug: string; part: string } }>('/guidance/:slug/:part', { schema: { params: params(['slug', 'part']) }, ...notFoundOnBadParams }, async (request, reply) => {
    if (request.validationError) notFound();
    return showGuide(request, reply);
  });
  app.get<{ Params: { slug: string } }>('/step-by-step/:slug', { schema: { params: params(['slug']) }, ...notFoundOnBadParams }, async (request, reply) => {
    if (request.validationError) notFound();
    const { slug } = request.params;
    const { page, contentLang } = await findInLanguage(library, slug, request.locale);
    if (page.type !== 'step-by-step') return reply.redirect(guidePath(slug), 301);
    const model = buildStepByStepPage(page, contentLang, request.t)!;
    return reply.render(`${VIEWS}/step-by-step/step-by-step.njk`, {
      pageTitle: model.title,
      page: model,
      contentLang,
      translated: contentLang === request.locale,
      publishedAt: page.publishedAt,
    });
  });
}
