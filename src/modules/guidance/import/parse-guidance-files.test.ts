import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../markdown/render-markdown.ts';
import { htmlToMarkdown } from './html-to-markdown.ts';
import { parseContentApiDocument } from './parse-content-api.ts';
import { parseMarkdownFile } from './parse-markdown-file.ts';

const frontMatter = (fields: string) => `---\n${fields}\n---\n`;

test('a guide file: each level-1 heading starts a part, its slug made from its title', () => {
  const draft = parseMarkdownFile(
    `${frontMatter('title: Blue Badges\nslug: blue-badges\ntype: guide\ndescription: Parking for disabled people\nlang: cy')}# Overview\n\nA badge helps you park.\n\n# Who can apply?\n\n- you\n`,
  );
  assert.deepEqual(draft, {
    slug: 'blue-badges',
    lang: 'cy',
    title: 'Blue Badges',
    description: 'Parking for disabled people',
    content: {
      type: 'guide',
      parts: [
        { slug: 'overview', title: 'Overview', body: 'A badge helps you park.' },
        { slug: 'who-can-apply', title: 'Who can apply?', body: '- you' },
      ],
    },
  });
});

test('a step-by-step file: an introduction, then steps with "and", "or" and optional markers', () => {
  const draft = parseMarkdownFile(
    `${frontMatter('title: Get a badge\nslug: get-a-badge\ntype: step-by-step')}How it works.\n\n## Check you can get one\n\n- [Who can](/guidance/who)\n\n## Apply online {or}\n\nText\n\n## Tell the council {and} {optional}\n`,
  );
  assert.equal(draft.lang, 'en');
  assert.deepEqual(draft.content, {
    type: 'step-by-step',
    introduction: 'How it works.',
    steps: [
      { title: 'Check you can get one', logic: 'number', optional: false, body: '- [Who can](/guidance/who)' },
      { title: 'Apply online', logic: 'or', optional: false, body: 'Text' },
      { title: 'Tell the council', logic: 'and', optional: true, body: '' },
    ],
  });
});

test('attacker: front matter that is missing, malformed, an alias bomb or has unknown fields is refused in words', () => {
  const refusals: Array<[string, RegExp]> = [
    ['# No front matter', /does not start with front matter/],
    [`${frontMatter('title: [unclosed')}body`, /not valid YAML/],
    [`${frontMatter('a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\ntitle: T\nslug: s\ntype: answer')}x`, /not valid YAML: Alias/],
    [`${frontMatter('title: T\ntitle: U\nslug: s\ntype: answer')}x`, /not valid YAML/],
    [`${frontMatter('- a list')}x`, /not a set of fields/],
    [`${frontMatter('title: T\nslug: s\ntype: answer\n__proto__: x\nscript: y')}x`, /does not know: __proto__, script/],
    [`${frontMatter('slug: s\ntype: answer')}x`, /no title/],
    [`${frontMatter('title: T\ntype: answer')}x`, /no slug/],
    [`${frontMatter('title: T\nslug: s\ntype: news')}x`, /type must be/],
    [`${frontMatter('title: T\nslug: s\ntype: answer\nlang: fr')}x`, /lang must be en or cy/],
    [`${frontMatter('title: {a: 1}\nslug: s\ntype: answer')}x`, /title is not text/],
    [`${frontMatter('title: T\nslug: s\ntype: guide')}Text before any part\n# Part`, /text before it/],
  ];
  for (const [source, reason] of refusals) assert.throws(() => parseMarkdownFile(source), reason, source);
});

test('a Content API document with parts is a guide; one with a body is an answer; govspeak blocks become the subset', () => {
  const guide = parseContentApiDocument(
    JSON.stringify({
      title: 'Council Tax',
      base_path: '/council-tax',
      description: 'Paying it',
      details: {
        parts: [
          { title: 'How it works', slug: 'how-it-works', body: '<h2>Bands</h2><p>Your <strong>band</strong> sets it. <a href="/council-tax-bands">Bands</a></p>' },
          { title: 'Discounts', slug: 'discounts', body: [{ content_type: 'text/govspeak', content: '$C\nCouncil office\n01234 567890\n$C\n\n%You must tell us.%' }] },
        ],
      },
    }),
  );
  assert.equal(guide.slug, 'council-tax');
  assert.deepEqual(guide.content, {
    type: 'guide',
    parts: [
      { title: 'How it works', slug: 'how-it-works', body: '## Bands\n\nYour **band** sets it\\. [Bands](/council-tax-bands)' },
      { title: 'Discounts', slug: 'discounts', body: ':::contact\nCouncil office\n01234 567890\n:::\n\n:::callout\nYou must tell us.\n:::' },
    ],
  });
  const answer = parseContentApiDocument(JSON.stringify({ title: 'Pay a fine', base_path: '/pay-a-fine', locale: 'cy', details: { body: '<ul><li>Online</li><li>By phone</li></ul>' } }));
  assert.deepEqual([answer.lang, answer.content], ['cy', { type: 'answer', body: '- Online\n- By phone' }]);
});

test('attacker: govspeak lines and HTML entities named like an object\'s inherited properties are text, not blocks or characters', () => {
  const lines = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];
  const page = parseContentApiDocument(JSON.stringify({ title: 'X', base_path: '/x', details: { body: [{ content_type: 'text/govspeak', content: lines.join('\n\n') }] } }));
  assert.deepEqual(page.content, { type: 'answer', body: lines.join('\n\n') });
  assert.equal(htmlToMarkdown('<p>&constructor; &valueOf; &tostring;</p>'), '\\&constructor; \\&valueOf; \\&tostring;');
});

test('attacker: Content API documents that are not JSON, lack fields or have bodies of the wrong kind are refused', () => {
  const refusals: Array<[string, RegExp]> = [
    ['{not json', /not valid JSON/],
    ['[1,2]', /not a Content API document/],
    [JSON.stringify({ base_path: '/x', details: { body: 'x' } }), /no title/],
    [JSON.stringify({ title: 'X', base_path: 'x', details: { body: 'x' } }), /no base_path/],
    [JSON.stringify({ title: 'X', base_path: '/x', locale: 'de', details: { body: 'x' } }), /locale/],
    [JSON.stringify({ title: 'X', base_path: '/x' }), /no details/],
    [JSON.stringify({ title: 'X', base_path: '/x', details: {} }), /neither details.body nor details.parts/],
    [JSON.stringify({ title: 'X', base_path: '/x', details: { body: 42 } }), /neither HTML nor/],
    [JSON.stringify({ title: 'X', base_path: '/x', details: { body: [{ content_type: 'application/x-evil', content: 'x' }] } }), /neither HTML nor/],
  ];
  for (const [source, reason] of refusals) assert.throws(() => parseContentApiDocument(source), reason, source);
});

test('HTML becomes the subset: lists, nested lists, callouts, insets, contacts; other tags dropped', () => {
  assert.equal(
    htmlToMarkdown('<h1>Title</h1><h4>Small</h4><ol><li>One<ul><li>Inner</li></ul></li><li>Two</li></ol><p>a&amp;b &lt;c&gt; &#163;5 &pound;6</p>'),
    '## Title\n\n### Small\n\n1. One\n   - Inner\n1. Two\n\na\\&b \\<c\\> £5 £6',
  );
  assert.equal(htmlToMarkdown('<div class="help-notice"><p>Be careful</p></div>'), ':::callout\n\nBe careful\n\n:::');
  assert.equal(htmlToMarkdown('<div class="call-to-action"><p>Apply now</p></div>'), ':::inset\n\nApply now\n\n:::');
  assert.equal(htmlToMarkdown('<div class="contact"><p>Office<br>Street 1</p></div>'), ':::contact\n\nOffice\nStreet 1\n\n:::');
  assert.equal(htmlToMarkdown('<table><tr><td>Cell</td></tr></table><span>kept</span><em>em</em>'), 'Cell\n\nkept*em*');
});

test('attacker: script, handlers and dangerous links in HTML never reach the page; unclosed tags and floods stay linear', () => {
  const markdown = htmlToMarkdown(
    '<p onclick="x()">Hi<script>alert(1)</script><style>p{}</style><a href="javascript:alert(1)">click</a>' +
      '<a href="//evil.example">far</a><a href="/ok(1)">ok</a><img src=x onerror=alert(1)><!-- <script>x</script> --></p>' +
      '<iframe src="https://example.com">inner</iframe>* not a list # not a heading :::inset',
  );
  const html = renderMarkdown(markdown, { lang: 'en' }).html;
  assert.doesNotMatch(html, /<script|<style|<img|<iframe|onclick|onerror|javascript:|evil\.example"|alert\(1\)<\/a>|inner|govuk-inset-text|<li>|<h2/);
  assert.match(html, /<a href="\/ok%281%29" class="govuk-link">ok<\/a>/);
  assert.match(html, /click/);
  for (const flood of ['<a'.repeat(100_000), '<!--'.repeat(50_000), '<a href="'.repeat(20_000), '<ul><li>'.repeat(20_000), '&#'.repeat(100_000)]) {
    assert.equal(typeof htmlToMarkdown(flood), 'string');
  }
  // Everything dropped after an unclosed <script>.
  assert.equal(htmlToMarkdown('<p>Before</p><script>var a = "<p>not text</p>";'), 'Before');
});
