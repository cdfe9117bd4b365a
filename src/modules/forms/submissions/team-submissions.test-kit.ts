import type { TestContext } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestApp } from '../../../testing/test-kernel.ts';
import { randomUUID } from 'node:crypto';
import { consoleMemberBrowser, createConsoleTeam, signInConsoleMember } from '../../console/teams/console-teams-testing.contract.ts';
import type { TeamRole } from '../../../platform/http/team-access.ts';
import { SMALL_PDF } from '../files/file-samples.test-kit.ts';
import { bilingualForm, both, Visitor } from '../runner/runner.test-kit.ts';
import { createFormVersions } from '../versions/form-versions.ts';

export const POTHOLE_FORM = '/forms/report-a-pothole';

/** A form of a council's service: a name, the street, notes (add another) and a photo, in English and Welsh. */
export function potholeForm() {
  return bilingualForm({
    slug: 'report-a-pothole',
    name: both('Report a pothole', 'Rhoi gwybod am dwll yn y ffordd'),
    settings: { referenceFormat: 'POT-######', support: { email: 'roads@example.gov.uk', phone: both('01632 960 001', '01632 960 001') } },
    pages: [
      { id: 'full-name', answerType: 'text', question: both('What is your name?', 'Beth yw eich enw?') },
      { id: 'street', answerType: 'text', question: both('Which street is it on?', 'Ar ba stryd mae e?') },
      { id: 'notes', answerType: 'text', question: both('Anything else?', 'Unrhyw beth arall?'), repeatable: true, optional: true },
      { id: 'photo', answerType: 'file', question: both('Upload a photo', 'Uwchlwythwch lun'), optional: true, settings: { maxSizeMb: 1 } },
    ],
  });
}

/** Two organisations, the first's service with the pothole form; a browser for a member of either, with a role. */
export async function startPotholeTeam(t: Pick<TestContext, 'after'>) {
  const { app, kernel } = await createTestApp(t);
  const ours = await createConsoleTeam(app, { name: 'Council A' });
  const theirs = await createConsoleTeam(app, { name: 'Council B' });
  const versions = createFormVersions({ db: kernel.db, audit: kernel.audit });
  const { formId } = await versions.importForm({ serviceId: ours.serviceId, definition: potholeForm(), actor: 'operator:test' });
  const listPath = `/console/forms/${ours.organisationId}/forms/${formId}/submissions`;
  const member = (role: TeamRole, organisationId = ours.organisationId) => consoleMemberBrowser(app, organisationId, role);
  return { app, kernel, versions, formId, ours, theirs, listPath, member, browser: () => createSwitchingBrowser(app) };
}

/**
 * One browser whose console identity the test switches (its CSRF cookie and token kept, from a
 * page of the form), so a refusal is the page's own, never a CSRF failure.
 */
export async function createSwitchingBrowser(app: FastifyInstance) {
  const jar = new Map<string, string>();
  let token = '';
  const send = async (method: 'GET' | 'POST', url: string, fields: Record<string, string> = {}, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> => {
    const response = await app.inject({
      method,
      url,
      headers: { accept: 'text/html', cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { payload: new URLSearchParams({ ...(options.csrf === false ? {} : { _csrf: token }), ...fields }).toString() } : {}),
    });
    for (const cookie of response.cookies) if (cookie.name !== 'console_session' && cookie.name !== 'forms_session') jar.set(cookie.name, cookie.value);
    return response;
  };
  const page = await send('GET', `${POTHOLE_FORM}/pages/full-name`);
  token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  if (!token) throw new Error('no CSRF token on the form page');
  return {
    send,
    async signInAs(role: TeamRole | undefined, organisationId: string) {
      jar.delete('console_session');
      if (!role) return;
      const member = await signInConsoleMember(app, { organisationId, role, email: `${role}-${randomUUID().slice(0, 8)}@example.gov.uk` });
      jar.set(member.cookieName, member.cookieValue);
    },
  };
}

/** A person fills the form in through the runner: name, street, notes (each one an answer), a photo if given; the reference. */
export async function reportPothole(app: FastifyInstance, input: { name: string; street: string; notes: string[]; photo?: string }): Promise<string> {
  const person = new Visitor(app);
  await person.answer(`${POTHOLE_FORM}/pages/full-name`, { answer: input.name }, `${POTHOLE_FORM}/pages/street`);
  await person.answer(`${POTHOLE_FORM}/pages/street`, { answer: input.street }, `${POTHOLE_FORM}/pages/notes`);
  for (const [index, note] of input.notes.entries()) {
    await person.answer(`${POTHOLE_FORM}/pages/notes${index === 0 ? '' : `?item=${index}`}`, { answer: note }, `${POTHOLE_FORM}/pages/notes/add-another`);
    await person.get(`${POTHOLE_FORM}/pages/notes/add-another`);
    await person.post(`${POTHOLE_FORM}/pages/notes/add-another`, { add_another: index < input.notes.length - 1 ? 'yes' : 'no' });
  }
  if (input.notes.length === 0) await person.answer(`${POTHOLE_FORM}/pages/notes`, { answer: '' }, `${POTHOLE_FORM}/pages/photo`);
  await person.get(`${POTHOLE_FORM}/pages/photo`);
  await person.upload(`${POTHOLE_FORM}/pages/photo`, input.photo ? { name: input.photo, bytes: SMALL_PDF } : undefined);
  await person.get(`${POTHOLE_FORM}/check-answers`);
  await person.post(`${POTHOLE_FORM}/check-answers`);
  const reference = /<strong>(POT-[A-Z0-9]{6})<\/strong>/.exec((await person.get(`${POTHOLE_FORM}/confirmation`)).body)?.[1];
  if (!reference) throw new Error('the pothole report was not submitted');
  return reference;
}

/** RFC 4180 as a spreadsheet reads it: quoted cells, "" for a quote, CRLF between rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') (cell += '"'), (index += 1);
      else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') row.push(cell), (cell = '');
    else if (character === '\r' && text[index + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), (index += 1);
    else cell += character;
  }
  return rows;
}
