import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';
import type { Config } from '../config/config.schema.ts';
import type { AssetCatalogue } from './assets.ts';
import { govukFrontendDirectory } from './assets.ts';
import { LOCALES, type Locale, type Translate } from './i18n.ts';

const sourceDirectory = join(import.meta.dirname, '..', '..');

export type PageContext = Record<string, unknown> & {
  /** The page's own title; the layout adds the service name and, on errors, the "Error:" prefix. */
  pageTitle: string;
};

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page (a path under src/, such as `modules/site/pages/home/home.njk`) as HTML. */
    render(template: string, context: PageContext): FastifyReply;
  }
}

function linkInLanguage(url: URL, locale: Locale): string {
  const link = new URL(url);
  link.searchParams.set('lang', locale);
  return `${link.pathname}${link.search}`;
}

export function createViewEnvironment(): nunjucks.Environment {
  const environment = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([sourceDirectory, join(govukFrontendDirectory, '..')]),
    { autoescape: true, throwOnUndefined: false },
  );
  return environment;
}

export type PageRequest = {
  locale: Locale;
  /** The path and query the page was asked for, for the language links. */
  url: string;
  cspNonce?: string;
  csrfToken?: () => string;
};

export type RenderPage = (template: string, context: PageContext, request: PageRequest) => string;

declare module 'fastify' {
  interface FastifyInstance {
    /** Renders a page to HTML outside a Fastify reply (for pages another library answers). */
    renderPage: RenderPage;
  }
}

export function createPageRenderer(options: {
  config: Config;
  assets: AssetCatalogue;
  translations: Record<Locale, Translate>;
}): RenderPage {
  const { config, assets, translations } = options;
  const environment = createViewEnvironment();
  return (template, context, request) => {
    const { locale } = request;
    const t = translations[locale];
    const url = new URL(request.url, 'http://placeholder');
    return environment.render(template, {
      siteName: config.SITE_NAME,
      phase: config.PHASE,
      assetPath: assets.path,
      htmlLang: locale,
      lang: locale,
      t,
      cspNonce: request.cspNonce,
      csrfToken: request.csrfToken,
      currentPath: url.pathname,
      languages: LOCALES.map((code) => ({
        text: t(`platform.language.${code}`),
        lang: code,
        href: linkInLanguage(url, code),
        current: code === locale,
      })),
      ...context,
    });
  };
}

export function registerViews(app: FastifyInstance, renderPage: RenderPage): void {
  app.decorate('renderPage', renderPage);
  app.decorateReply('render', function render(this: FastifyReply, template: string, context: PageContext) {
    // One token per page: generating another on a first visit replaces the cookie's secret,
    // which would leave an earlier form on the same page with a token that no longer matches.
    let csrfToken: string | undefined;
    const html = renderPage(template, context, {
      locale: this.request.locale,
      url: this.request.url,
      cspNonce: this.cspNonce?.script,
      csrfToken: () => (csrfToken ??= this.generateCsrf()),
    });
    return this.type('text/html; charset=utf-8').send(html);
  });
}
