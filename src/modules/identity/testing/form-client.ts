/**
 * A small cookie-keeping HTTP client that submits GOV.UK forms the way a browser without
 * JavaScript would, for tests that walk the sign-in pages over real HTTP.
 */
export type FormPage = { url: string; status: number; html: string };

export function createFormClient(baseUrl: string, options: { headers?: Record<string, string> } = {}) {
  const cookies = new Map<string, string>();

  function remember(response: Response) {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (!name) continue;
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) cookies.delete(name.trim());
      else cookies.set(name.trim(), value.join('='));
    }
  }

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(url, baseUrl), {
      ...init,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        ...options.headers,
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    remember(response);
    return response;
  }

  /** Follows redirects within this site; stops at the first page elsewhere (a service's callback). */
  async function follow(url: string, init: RequestInit = {}): Promise<FormPage> {
    let response = await request(url, init);
    let current = new URL(url, baseUrl).toString();
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops > 20) throw new Error('too many redirects');
      const location = new URL(response.headers.get('location') as string, current).toString();
      if (!location.startsWith(baseUrl)) return { url: location, status: response.status, html: '' };
      current = location;
      response = await request(location);
    }
    return { url: current, status: response.status, html: await response.text() };
  }

  return {
    cookies,
    get: (url: string) => follow(url),
    /** Submits the form like `submit`, but returns the first response instead of following it. */
    async post(page: FormPage, fields: Record<string, string>): Promise<Response> {
      const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
      return request(page.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...(token ? { _csrf: token } : {}), ...fields }),
      });
    },
    /** Submits the page's first form that posts to its own URL (or `action`), with its CSRF token. */
    async submit(page: FormPage, fields: Record<string, string>, action?: string): Promise<FormPage> {
      const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
      const formAction = action ?? /<form[^>]*action="([^"]+)"/.exec(page.html)?.[1] ?? page.url;
      const hidden = Object.fromEntries(
        [...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1], match[2]]),
      );
      const body = new URLSearchParams({ ...hidden, ...(token ? { _csrf: token } : {}), ...fields });
      return follow(new URL(formAction.replaceAll('&amp;', '&'), page.url).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    },
  };
}

export type FormClient = ReturnType<typeof createFormClient>;

export function pageHeading(page: FormPage): string {
  const match = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(page.html) ?? /<label class="govuk-label govuk-label--l"[^>]*>([\s\S]*?)<\/label>/.exec(page.html);
  return (match?.[1] ?? '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
}

export function errorSummary(page: FormPage): string[] {
  const summary = /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(page.html)?.[1] ?? '';
  return [...summary.matchAll(/<a[^>]*>([\s\S]*?)<\/a>/g)].map((match) => (match[1] ?? '').replace(/&#39;/g, "'").trim());
}
