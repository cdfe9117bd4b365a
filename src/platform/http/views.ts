import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

function linkInLanguage(request: FastifyRequest, locale: Locale): string {
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('lang', locale);
  return `${url.pathname}${url.search}`;
}

export function createViewEnvironment(): nunjucks.Environment {
  const environment = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([sourceDirectory, join(govukFrontendDirectory, '..')]),
    { autoescape: true, throwOnUndefined: false },
  );
  return environment;
}

export function registerViews(
  app: FastifyInstance,
  options: {
    config: Config;
    assets: AssetCatalogue;
    translations: Record<Locale, Translate>;
  },
): void {
  const { config, assets, translations } = options;
  const environment = createViewEnvironment();

  app.decorateReply('render', function render(this: FastifyReply, template: string, context: PageContext) {
    const request = this.request;
    const locale = request.locale;
    const t = translations[locale];
    const html = environment.render(template, {
      siteName: config.SITE_NAME,
      phase: config.PHASE,
      assetPath: assets.path,
      htmlLang: locale,
      lang: locale,
      t,
      cspNonce: this.cspNonce?.script,
      csrfToken: () => this.generateCsrf(),
      currentPath: new URL(request.url, 'http://placeholder').pathname,
      languages: LOCALES.map((code) => ({
        text: t(`platform.language.${code}`),
        lang: code,
        href: linkInLanguage(request, code),
        current: code === locale,
      })),
      ...context,
    });
    return this.type('text/html; charset=utf-8').send(html);
  });
}
