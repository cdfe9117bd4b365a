import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { createFormVersions } from '../versions/form-versions.ts';

export const FORM = '/forms/apply-for-a-fishing-licence';

export function readExampleForm() {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'every-answer-type.form.json'), 'utf8'));
}

/** The app with the example form (every answer type) published for a service. */
export async function createRunnerTestApp(t: Pick<TestContext, 'after'>, definition: unknown = readExampleForm()) {
  const { app, kernel } = await createTestApp(t);
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const imported = await versions.importForm({ serviceId: 'service-a', definition, actor: 'operator:test' });
  return { app, kernel, versions, formId: imported.formId };
}

export const both = (en: string, cy: string) => ({ en, cy });

/** A small form in English and Welsh for a test: its slug, name, pages and the settings it needs beyond the required ones. */
export function bilingualForm(input: { slug: string; name: { en: string; cy: string }; settings?: Record<string, unknown>; pages: unknown[] }) {
  return {
    format: 'civitas-form',
    formatVersion: 1,
    slug: input.slug,
    name: input.name,
    settings: {
      languages: ['en', 'cy'],
      whatHappensNext: both('We will be in touch.', 'Byddwn mewn cysylltiad.'),
      privacyUrl: 'https://example.gov.uk/privacy',
      support: { email: 'help@example.gov.uk' },
      ...input.settings,
    },
    pages: input.pages,
    exitPages: [],
  };
}

export type Fields = Record<string, string | string[]>;

/** A person's browser, over app.inject: it keeps its cookies and the CSRF token of the last page it was shown. */
export class Visitor {
  readonly app: FastifyInstance;
  readonly cookies = new Map<string, string>();
  csrfToken = '';

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  #keepCookies(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const cleared = cookie.value === '' || cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now());
      if (cleared) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrfToken = token;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader, accept: 'text/html' } });
    this.#keepCookies(response);
    return response;
  }

  async post(url: string, fields: Fields = {}, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    if (options.csrf !== false) body.append('_csrf', this.csrfToken);
    for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) body.append(name, item);
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { cookie: this.cookieHeader, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    });
    this.#keepCookies(response);
    return response;
  }

  /** Posts a file question's form as a browser does (multipart/form-data): the CSRF token and the file, or an empty file input. */
  async upload(url: string, file: { name: string; bytes: Buffer; type?: string } | undefined): Promise<LightMyRequestResponse> {
    const boundary = '----civitas-test-boundary';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${this.csrfToken}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="answer"; filename="${file?.name ?? ''}"\r\nContent-Type: ${file?.type ?? 'application/octet-stream'}\r\n\r\n`),
      file?.bytes ?? Buffer.alloc(0),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return this.send(url, { payload, contentType: `multipart/form-data; boundary=${boundary}` });
  }

  /** Posts any body with this browser's cookies. */
  async send(url: string, body: { payload: Buffer | string; contentType: string }): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'POST', url, payload: body.payload, headers: { cookie: this.cookieHeader, accept: 'text/html', 'content-type': body.contentType } });
    this.#keepCookies(response);
    return response;
  }

  /** Posts an answer that is refused: the page redirects to itself (post/redirect/get), which then shows the errors. */
  async refused(url: string, fields: Fields = {}): Promise<LightMyRequestResponse> {
    const response = await this.post(url, fields);
    assert.equal(response.statusCode, 303, `${url} redirects after a refused answer`);
    assert.equal(response.headers.location, url, `${url} redirects to itself after a refused answer`);
    return this.get(url);
  }

  /** Shows the page (for its CSRF token), answers it and expects to be sent on to `next`. */
  async answer(url: string, fields: Fields, next: string): Promise<void> {
    const page = await this.get(url);
    assert.equal(page.statusCode, 200, `${url} is shown (got ${page.statusCode} to ${page.headers.location})`);
    const response = await this.post(url, fields);
    assert.equal(response.statusCode, 303, `${url} accepted the answer: ${errorsIn(response.body).join(' | ')}`);
    assert.equal(response.headers.location, next, `after ${url}`);
  }
}

/** The error summary's messages on a page. */
export function errorsIn(html: string): string[] {
  const summary = /<div class="govuk-error-summary__body">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
  return [...summary.matchAll(/<a href="[^"]*">([^<]*)<\/a>/g)].map((match) => (match[1] ?? '').trim());
}

/** The answers of the example form, page by page, taking the rod licence route. */
export const ROD_ANSWERS: ReadonlyArray<{ page: string; fields: Fields }> = [
  { page: 'licence-type', fields: { answer: 'rod' } },
  { page: 'full-name', fields: { title: 'Dr', first_name: 'Ffion', last_name: 'Jones' } },
  { page: 'organisation', fields: { answer: '' } },
  { page: 'email', fields: { answer: 'ffion@example.com' } },
  { page: 'phone', fields: { answer: '07700 900 982' } },
  { page: 'ni-number', fields: { answer: 'jh 12 34 56 c' } },
  { page: 'home-address', fields: { address_line_1: '1 High Street', address_line_2: '', town: 'Aberystwyth', county: '', postcode: 'sy23 1aa' } },
  { page: 'abroad-address', fields: { address: '', country: '' } },
  { page: 'date-of-birth', fields: { day: '27', month: '3', year: '1990' } },
  { page: 'start-date', fields: { day: '1', month: '4', year: '2027' } },
  { page: 'waters', fields: { answer: ['rivers', 'sea'] } },
  { page: 'rods', fields: { answer: '2' } },
];

/** Answers every page up to "boat-name" on the rod licence route. */
export async function answerUpToBoats(visitor: Visitor): Promise<void> {
  for (const [index, step] of ROD_ANSWERS.entries()) {
    const next = ROD_ANSWERS[index + 1]?.page ?? 'boat-name';
    await visitor.answer(`${FORM}/pages/${step.page}`, step.fields, `${FORM}/pages/${next}`);
  }
}
