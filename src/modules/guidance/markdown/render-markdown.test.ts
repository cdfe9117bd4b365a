import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS } from '../content/guidance-content.ts';
import { markdownToText, renderMarkdown } from './render-markdown.ts';

const render = (markdown: string, lang: 'en' | 'cy' = 'en') => renderMarkdown(markdown, { lang }).html;

test('the subset renders as GOV.UK Frontend HTML: headings with ids, lists, links and paragraphs', () => {
  const { html, headings } = renderMarkdown(
    '## Who can get a badge\n\nYou can get one if:\n\n- you get the higher rate\n- you are **registered** blind\n\n1. Check\n2. Apply\n\n### Costs\n\nSee [how to pay](/guidance/pay#online).',
    { lang: 'en' },
  );
  assert.equal(
    html,
    '<h2 class="govuk-heading-m" id="who-can-get-a-badge">Who can get a badge</h2>\n' +
      '<p class="govuk-body">You can get one if:</p>\n' +
      '<ul class="govuk-list govuk-list--bullet">\n<li>you get the higher rate</li>\n<li>you are <strong>registered</strong> blind</li>\n</ul>\n' +
      '<ol class="govuk-list govuk-list--number">\n<li>Check</li>\n<li>Apply</li>\n</ol>\n' +
      '<h3 class="govuk-heading-s" id="costs">Costs</h3>\n' +
      '<p class="govuk-body">See <a href="/guidance/pay#online" class="govuk-link">how to pay</a>.</p>\n',
  );
  assert.deepEqual(headings, [
    { id: 'who-can-get-a-badge', text: 'Who can get a badge', level: 2 },
    { id: 'costs', text: 'Costs', level: 3 },
  ]);
});

test('callouts, inset text and contact blocks, with the warning in the page language', () => {
  assert.equal(
    render(':::callout\nYou must tell the council\nwithin 21 days.\n:::', 'cy'),
    '<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>' +
      '<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Rhybudd</span>You must tell the council\nwithin 21 days.</strong></div>\n',
  );
  assert.equal(
    render(':::inset\nIt takes 12 weeks.\n\n- by post\n:::'),
    '<div class="govuk-inset-text">\n<p class="govuk-body">It takes 12 weeks.</p>\n<ul class="govuk-list govuk-list--bullet">\n<li>by post</li>\n</ul>\n</div>\n',
  );
  assert.equal(
    render(':::contact\nCouncil Tax team\nTelephone: [0300 123 4567](tel:03001234567)\n\nMonday to Friday\n:::'),
    '<div class="govuk-inset-text"><p class="govuk-body">Council Tax team<br>\nTelephone: <a href="tel:03001234567" class="govuk-link">0300 123 4567</a><br>\nMonday to Friday</p></div>\n',
  );
});

test('headings get unique ids, never one the page uses, and a level-1 heading becomes a level 2', () => {
  const { html, headings } = renderMarkdown('# Contents\n## Main content\n## Fees\n## Fees', { lang: 'en' });
  assert.deepEqual(headings.map((heading) => heading.id), ['contents-2', 'main-content-2', 'fees', 'fees-2']);
  assert.match(html, /^<h2 class="govuk-heading-m" id="contents-2">Contents<\/h2>/);
  const usedIds = new Set<string>();
  renderMarkdown('## Fees', { lang: 'en', usedIds });
  assert.equal(renderMarkdown('## Fees', { lang: 'en', usedIds }).headings[0]?.id, 'fees-2');
});

test('markdownToText gives the words and the headings without markup', () => {
  assert.deepEqual(markdownToText('## Fees\n\nIt costs **£10**, [pay online](/pay).\n\n:::contact\nPhone us\n:::'), {
    text: 'Fees\nIt costs £10, pay online.\nPhone us',
    headings: ['Fees'],
  });
});

test('attacker: raw HTML and script are escaped, never passed through', () => {
  const attacks = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<div onclick="alert(1)">text</div>',
    '<!-- comment --><iframe src="https://example.com"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '## <svg onload=alert(1)>',
    ':::callout\n<script>alert(1)</script>\n:::',
    ':::contact\n<b onmouseover=alert(1)>x</b>\n:::',
    '- <style>body{display:none}</style>',
  ];
  for (const attack of attacks) {
    const html = render(attack);
    assert.doesNotMatch(html, /<(script|img|iframe|svg|style|b |div onclick|a href="javascript)/i, attack);
    assert.match(html, /&lt;/, attack);
  }
});

test('attacker: links only go to this site, a web page, an email address or a phone number', () => {
  const refused = [
    '[x](javascript:alert(1))',
    '[x](JAVASCRIPT:alert(1))',
    '[x](  javascript:alert(1))',
    '[x](java\tscript:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](<javascript:alert(1)>)',
    '[x](vbscript:msgbox)',
    '[x](data:text/html;base64,PHNjcmlwdD4=)',
    '[x](file:///etc/passwd)',
    '[x](//evil.example)',
    '[x][ref]\n\n[ref]: javascript:alert(1)',
    '<javascript:alert(1)>',
    '![x](https://example.com/tracker.png)',
  ];
  for (const markdown of refused) {
    const html = render(markdown);
    assert.doesNotMatch(html, /href="(?!https:\/\/example\.com\/tracker)/, markdown);
    assert.doesNotMatch(html, /<img/, markdown);
  }
  assert.match(render('[x](https://example.com/a?b=1&c="2")'), /href="https:\/\/example\.com\/a\?b=1&amp;c=%222%22"/);
  // A backslash would make a path another host's in a browser; it is percent-encoded instead.
  assert.match(render('[x](/\\evil.example)'), /href="\/%5Cevil\.example"/);
  assert.match(render('[x](mailto:council@example.gov.uk)'), /href="mailto:council@example\.gov\.uk"/);
  assert.doesNotMatch(render('[x](https://example.com "title onmouseover=alert(1)")'), /title|onmouseover/);
});

test('attacker: huge and pathological inputs at the size limit render, each line looked at about once', { timeout: 60_000 }, () => {
  const size = LIMITS.markdown;
  const patterns = ['[', '](', '*a', '_a', '**a', '[a](', '- ', '> ', '1. ', ':::inset\n', ':::callout\n', '<', '&#', '\\', '`', '## ', '  - a\n'];
  for (const pattern of patterns) {
    const markdown = pattern.repeat(Math.floor(size / pattern.length));
    const html = render(markdown);
    assert.ok(html.length > 0, pattern);
    assert.doesNotMatch(html, /<(script|img)/);
  }
  // Deep nesting stops at markdown-it's limit rather than recursing without end.
  const nested = Array.from({ length: 2_000 }, (_, depth) => `${'  '.repeat(depth)}- item`).join('\n');
  assert.ok(render(nested).length > 0);
});
