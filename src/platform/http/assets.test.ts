import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createTestApp } from '../../testing/test-kernel.ts';

test('GOV.UK Frontend assets are served from fingerprinted URLs with a year-long cache', async (t) => {
  const { app } = await createTestApp(t);
  const home = await app.inject({ method: 'GET', url: '/' });
  const stylesheet = /<link rel="stylesheet" href="(\/assets\/([0-9a-f]{12})\/govuk-frontend\.min\.css)">/.exec(home.body);
  assert.ok(stylesheet, 'the page links the fingerprinted stylesheet');
  const [, stylesheetUrl, version] = stylesheet;
  assert.match(home.body, new RegExp(`src="/assets/${version}/govuk-frontend\\.min\\.js"|from "/assets/${version}/govuk-frontend\\.min\\.js"`));

  const css = await app.inject({ method: 'GET', url: stylesheetUrl as string, headers: { 'accept-encoding': 'gzip' } });
  assert.equal(css.statusCode, 200);
  assert.equal(css.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(css.headers['content-encoding'], 'gzip');
  assert.match(css.headers['content-type'] as string, /^text\/css/);
  const text = gunzipSync(css.rawPayload).toString('utf8');
  // Fonts and images are fetched from the same fingerprinted folder as the stylesheet.
  const fontUrls = [...text.matchAll(/url\((\/assets\/[^)]+\.woff2)\)/g)].map((match) => match[1] as string);
  assert.ok(fontUrls.length > 0);
  for (const fontUrl of fontUrls) {
    assert.ok(fontUrl.startsWith(`/assets/${version}/fonts/`), fontUrl);
    const font = await app.inject({ method: 'GET', url: fontUrl });
    assert.equal(font.statusCode, 200);
    assert.equal(font.headers['content-type'], 'font/woff2');
    assert.equal(font.headers['cache-control'], 'public, max-age=31536000, immutable');
  }

  const revalidated = await app.inject({
    method: 'GET',
    url: stylesheetUrl as string,
    headers: { 'if-none-match': css.headers.etag as string },
  });
  assert.equal(revalidated.statusCode, 304);
});

test('an asset asked for under another release is served but not cached as that release', async (t) => {
  const { app } = await createTestApp(t);
  const response = await app.inject({ method: 'GET', url: '/assets/000000000000/images/favicon.svg' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['cache-control'], 'no-cache');
  const missing = await app.inject({ method: 'GET', url: '/assets/000000000000/nothing.css' });
  assert.equal(missing.statusCode, 404);
});
