import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import nunjucks from 'nunjucks';
import type { Config } from '../config/config.schema.ts';
import type { AssetCatalogue } from './assets.ts';
import { govukFrontendDirectory } from './assets.ts';
import { formatDate, formatDateTime, formatTime, type Instant } from './dates.ts';
import { LOCALES, type Locale, type Translate } from './i18n.ts';

const sourceDirectory = join(import.meta.dirname, '..', '..');

export type PageContext = Record<string, unknown> & {
  /** The page's own title; the layout adds the service name and, on errors, the "Error:" prefix. */
  pageTitle: string;
  /**
   * The previous page of the journey, for the back link the layout shows above everything else
   * on the page (as GOV.UK does). A path of ours, never the Referer: leave it out on a first page.
   */
  backLink?: string;
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

/**
 * GOV.UK Frontend's components have English defaults ("Error:" before every field error, "Back",
 * "Warning"...). Rather than trust every template to pass the Welsh, each component below is
 * wrapped where it is defined: its macro fills the parameters the page left out with the texts
 * of the page's language (message keys `platform.govuk.*`), then includes GOV.UK's own template.
 * Components reach each other by relative paths ("../error-message/macro.njk" from inside
 * govukInput), so a copy earlier in the search path would not be found; the loader serves the
 * wrapper in place of GOV.UK's macro file instead, under that file's own path, so the wrapper's
 * "./template.njk" is still GOV.UK's. Every page, in every module, gets the Welsh without asking.
 */
const LOCALISED_DEFAULTS: Readonly<Record<string, (params: Record<string, unknown>, t: Translate) => Record<string, unknown>>> = {
  'error-message': (_, t) => ({ visuallyHiddenText: t('platform.govuk.errorPrefix') }),
  'error-summary': (_, t) => ({ titleText: t('platform.errorSummaryTitle') }),
  'back-link': (_, t) => ({ text: t('platform.govuk.back') }),
  'warning-text': (_, t) => ({ iconFallbackText: t('platform.govuk.warning') }),
  'notification-banner': (params, t) => ({ titleText: t(params.type === 'success' ? 'platform.govuk.success' : 'platform.govuk.important') }),
  'pagination': (_, t) => ({ landmarkLabel: t('platform.govuk.pagination') }),
  // GOV.UK Frontend's script picks a plural form by the page's language: every form Welsh has is given.
  'character-count': (_, t) => {
    const forms = (kind: 'under' | 'over') =>
      Object.fromEntries(['zero', 'one', 'two', 'few', 'many', 'other'].map((form) => [form, t(`platform.govuk.characterCount.${kind}.${form === 'one' ? 'one' : 'other'}`)]));
    return {
      textareaDescriptionText: t('platform.govuk.characterCount.description'),
      charactersAtLimitText: t('platform.govuk.characterCount.atLimit'),
      charactersUnderLimitText: forms('under'),
      charactersOverLimitText: forms('over'),
    };
  },
  'password-input': (_, t) => ({
    showPasswordText: t('platform.govuk.password.show'),
    hidePasswordText: t('platform.govuk.password.hide'),
    showPasswordAriaLabelText: t('platform.govuk.password.showAria'),
    hidePasswordAriaLabelText: t('platform.govuk.password.hideAria'),
    passwordShownAnnouncementText: t('platform.govuk.password.shown'),
    passwordHiddenAnnouncementText: t('platform.govuk.password.hidden'),
  }),
};

function macroNameOf(component: string): string {
  return `govuk${component.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}`;
}

/** Serves the wrappers of LOCALISED_DEFAULTS in place of GOV.UK's macro files; everything else from disk. */
class LocalisedGovukLoader extends nunjucks.FileSystemLoader {
  readonly #wrappers = new Map<string, string>();

  constructor(searchPaths: string[]) {
    super(searchPaths);
    for (const component of Object.keys(LOCALISED_DEFAULTS)) {
      const macro = macroNameOf(component);
      this.#wrappers.set(
        join(govukFrontendDirectory, 'components', component, 'macro.njk'),
        `{% macro ${macro}(params) %}{%- set params = params | withLocalisedDefaults("${component}") -%}{%- include "./template.njk" -%}{% endmacro %}`,
      );
    }
  }

  override getSource(name: string) {
    const source = super.getSource(name);
    const wrapper = source && this.#wrappers.get(source.path);
    return wrapper ? { ...source, src: wrapper } : source;
  }
}

/**
 * One environment per language: the components' defaults and the date filters are the page's
 * language's wherever they are used, inside GOV.UK's macros too (which see no page context).
 */
export function createViewEnvironment(locale: Locale, t: Translate): nunjucks.Environment {
  const environment = new nunjucks.Environment(new LocalisedGovukLoader([sourceDirectory, join(govukFrontendDirectory, '..')]), {
    autoescape: true,
    throwOnUndefined: false,
  });
  environment.addFilter('withLocalisedDefaults', (params: Record<string, unknown> | undefined, component: string) => {
    const given = params ?? {};
    const defaults = LOCALISED_DEFAULTS[component]!(given, t);
    const filled: Record<string, unknown> = { ...given };
    for (const [key, value] of Object.entries(defaults)) if (filled[key] === undefined) filled[key] = value;
    return filled;
  });
  // Nunjucks' own trim is a regular expression (/^\s*|\s*$/g) that takes time quadratic in each
  // run of spaces, and GOV.UK Frontend's macros trim their indented HTML at every level: half the
  // time of a page of many checkboxes. String.prototype.trim takes the same characters off.
  environment.addFilter('trim', (text: string | nunjucks.runtime.SafeString) => {
    const trimmed = String.prototype.trim.call(text);
    return text instanceof nunjucks.runtime.SafeString ? new nunjucks.runtime.SafeString(trimmed) : trimmed;
  });
  environment.addFilter('govukDate', (instant: Instant | null | undefined) => (instant ? formatDate(instant, locale) : ''));
  environment.addFilter('govukTime', (instant: Instant | null | undefined) => (instant ? formatTime(instant, locale) : ''));
  environment.addFilter('govukDateTime', (instant: Instant | null | undefined) => (instant ? formatDateTime(instant, locale) : ''));
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
  const environments = Object.fromEntries(LOCALES.map((locale) => [locale, createViewEnvironment(locale, translations[locale])])) as Record<
    Locale,
    nunjucks.Environment
  >;
  return (template, context, request) => {
    const { locale } = request;
    const t = translations[locale];
    const url = new URL(request.url, 'http://placeholder');
    return environments[locale].render(template, {
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
