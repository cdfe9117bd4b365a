import { CivitasError } from './errors.ts';

/** A field's value, or its values when the form sends the name more than once. */
export type FormFields = Record<string, string | string[]>;

/**
 * Reads a multipart/form-data body (a form with a file field) into fields as a urlencoded form
 * gives them: each file as its text. The parsing is the platform's own (the Fetch API's FormData),
 * not ours; a body it cannot read is a 400.
 */
export async function readMultipartForm(contentType: string, body: Buffer): Promise<FormFields> {
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new CivitasError({ code: 'platform.UNREADABLE_FORM', statusCode: 400, message: 'The form could not be read' });
  }
  const fields: FormFields = {};
  for (const [name, value] of form) {
    const text = typeof value === 'string' ? value : await value.text();
    const before = fields[name];
    fields[name] = before === undefined ? text : Array.isArray(before) ? [...before, text] : [before, text];
  }
  return fields;
}
