import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../config/config.schema.ts';
import { platformMessages } from './create-http-app.ts';
import { createTranslations } from './i18n.ts';
import { createPageRenderer, createViewEnvironment } from './views.ts';

const translations = createTranslations([platformMessages]);
const imports = ['input', 'radios', 'textarea', 'password-input', 'back-link', 'warning-text', 'notification-banner']
  .map((component) => {
    const macro = `govuk${component.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}`;
    return `{% from "govuk/components/${component}/macro.njk" import ${macro} %}`;
  })
  .join('');

function renderIn(locale: 'en' | 'cy', body: string): string {
  return createViewEnvironment(locale, translations[locale]).renderString(imports + body, {});
}

const hiddenPrefixes = (html: string) => [...html.matchAll(/<span class="govuk-visually-hidden">([^<]*)<\/span>/g)].map((match) => match[1]);

test('every field error says "Gwall:" to a screen reader in Welsh, and "Error:" in English, without the page asking', () => {
  const fields = `
    {{ govukInput({ id: "a", name: "a", label: { text: "A" }, errorMessage: { text: "Problem A" } }) }}
    {{ govukTextarea({ id: "b", name: "b", label: { text: "B" }, errorMessage: { text: "Problem B" } }) }}
    {{ govukRadios({ name: "c", fieldset: { legend: { text: "C" } }, items: [{ value: "1", text: "1" }], errorMessage: { text: "Problem C" } }) }}
    {{ govukPasswordInput({ id: "d", name: "d", label: { text: "D" }, errorMessage: { text: "Problem D" } }) }}`;
  assert.deepEqual(hiddenPrefixes(renderIn('cy', fields)), ['Gwall:', 'Gwall:', 'Gwall:', 'Gwall:']);
  assert.deepEqual(hiddenPrefixes(renderIn('en', fields)), ['Error:', 'Error:', 'Error:', 'Error:']);
});

test('a page that gives its own text keeps it; GOV.UK\'s other English defaults are Welsh in Welsh', () => {
  assert.deepEqual(hiddenPrefixes(renderIn('cy', '{{ govukInput({ id: "a", name: "a", label: { text: "A" }, errorMessage: { text: "P", visuallyHiddenText: "Rhybudd" } }) }}')), ['Rhybudd:']);
  const welsh = renderIn(
    'cy',
    `{{ govukBackLink({ href: "/a" }) }}{{ govukWarningText({ text: "W" }) }}{{ govukNotificationBanner({ type: "success", text: "S" }) }}
     {{ govukPasswordInput({ id: "d", name: "d", label: { text: "D" } }) }}`,
  );
  assert.match(welsh, />Yn ôl<\/a>/);
  assert.match(welsh, /<span class="govuk-visually-hidden">Rhybudd<\/span>/);
  assert.match(welsh, /Llwyddiant/);
  assert.match(welsh, /Dangos/);
  for (const english of ['>Back<', '>Warning<', 'Success', '>Show<', 'Error']) assert.ok(!welsh.includes(english), english);
});

test('the date filters write GOV.UK dates in UK time in the page\'s language; nothing for no date', () => {
  const body = '{{ "2026-12-02T17:48:00Z" | govukDateTime }}|{{ "2026-07-01T11:00:00Z" | govukTime }}|{{ "2026-06-30T23:30:00Z" | govukDate }}|{{ missing | govukDateTime }}';
  assert.equal(renderIn('en', body), '2 December 2026 at 5:48pm|midday|1 July 2026|');
  assert.equal(renderIn('cy', body), '2 Rhagfyr 2026 am 5:48yp|hanner dydd|1 Gorffennaf 2026|');
});

test('the layout puts the back link before the error summary and the heading, and "Gwall:" in the title', () => {
  const render = createPageRenderer({
    config: { SITE_NAME: 'Civitas', PHASE: 'beta' } as Config,
    assets: { path: '/assets/x', version: 'x', files: new Map() },
    translations,
  });
  const html = render(
    'platform/http/views/error.njk',
    { pageTitle: 'Teitl', backLink: '/previous', errors: [{ text: 'Rhowch rywbeth', href: '#a' }] },
    { locale: 'cy', url: '/page?lang=cy' },
  );
  assert.match(html, /<title>Gwall: Teitl - Civitas<\/title>/);
  const back = html.indexOf('<a href="/previous" class="govuk-back-link">Yn ôl</a>');
  assert.ok(back > 0, 'a back link');
  assert.ok(back < html.indexOf('govuk-error-summary'), 'before the error summary');
  assert.ok(html.indexOf('govuk-error-summary') < html.indexOf('<h1'), 'the summary before the heading');
  assert.ok(back < html.indexOf('<main'), 'outside <main>, in beforeContent, as GOV.UK does');
  const first = render('platform/http/views/error.njk', { pageTitle: 'Teitl' }, { locale: 'cy', url: '/' });
  assert.ok(!first.includes('govuk-back-link'), 'no back link on a page that names none');
});

test('a back link is HTML-escaped: a path with markup in it stays text', () => {
  const render = createPageRenderer({ config: { SITE_NAME: 'Civitas', PHASE: 'beta' } as Config, assets: { path: '/a', version: 'x', files: new Map() }, translations });
  const html = render('platform/http/views/error.njk', { pageTitle: 'T', backLink: '/a"><script>alert(1)</script>' }, { locale: 'en', url: '/' });
  assert.ok(!html.includes('<script>alert(1)'));
  assert.match(html, /href="\/a&quot;&gt;&lt;script&gt;/);
});

test('the trim filter takes off what Nunjucks’ own does, keeps marked-safe HTML safe, and is linear in runs of spaces', () => {
  const environment = createViewEnvironment('en', translations.en);
  const nunjucksTrim = (text: string) => text.replace(/^\s*|\s*$/g, '');
  for (const text of ['', '   ', ' a ', '\n\t a  b \r\n', '\u00a0\u2028x\ufeff\u3000', `<p>\n${' '.repeat(40)}<b>x</b>\n</p>\n\n`]) {
    assert.equal(environment.renderString('{{ text | trim }}', { text }), nunjucksTrim(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;'), JSON.stringify(text));
  }
  assert.equal(environment.renderString('[{{ html | safe | trim }}]', { html: '  <b>bold</b>\n  ' }), '[<b>bold</b>]', 'marked-safe HTML stays HTML');
  assert.equal(environment.renderString('[{{ text | trim }}]', { text: '  <b>  ' }), '[&lt;b&gt;]', 'text is still escaped');
  // A million characters of spaces between words: quadratic would take minutes.
  const spaced = Array.from({ length: 1_000 }, () => `x${' '.repeat(1_000)}`).join('');
  assert.equal(environment.renderString('{{ text | trim | length }}', { text: spaced }), String(spaced.length - 1_000));
});
