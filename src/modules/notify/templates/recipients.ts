/**
 * Recipient checks with Notify's messages: email addresses, mobile numbers (UK and
 * international) and postal addresses. Each returns the normalised value or the reason.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const EMAIL_LOCAL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$/i;
const TLD = /^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$/i;

export function checkEmailAddress(raw: string): Checked<string> {
  const invalid = { ok: false as const, message: 'Not a valid email address' };
  const address = raw.trim().replace(/[\u200b\u00a0]/g, '');
  if (address.length > 320 || /\s/.test(address)) return invalid;
  const at = address.lastIndexOf('@');
  if (at < 1) return invalid;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (!EMAIL_LOCAL.test(local) || local.length > 64 || local.includes('..') || local.startsWith('.') || local.endsWith('.')) {
    return invalid;
  }
  const labels = domain.split('.');
  if (labels.length < 2 || domain.length > 253) return invalid;
  if (!labels.every((label) => label.length > 0 && label.length <= 63 && DOMAIN_LABEL.test(label))) return invalid;
  if (!TLD.test(labels.at(-1) as string)) return invalid;
  return { ok: true, value: address };
}

/** The form two spellings of one address share (for team and guest-list matching). */
export function normaliseEmailAddress(address: string): string {
  return address.trim().toLowerCase();
}

export type PhoneNumber = { normalised: string; international: boolean };

/** Country codes are 1 to 3 digits; enough to tell UK (44) from the rest. */
export function checkPhoneNumber(raw: string): Checked<PhoneNumber> {
  const stripped = raw.trim().replace(/[\s().\-\u2010-\u2015\u00a0]/g, '');
  if (!/^\+?\d+$/.test(stripped)) return { ok: false, message: 'Must not contain letters or symbols' };
  let digits = stripped.replace(/^\+/, '');
  const looksInternational = stripped.startsWith('+') || digits.startsWith('00');
  if (digits.startsWith('00')) digits = digits.slice(2);
  const isUk = !looksInternational || digits.startsWith('44');
  if (isUk) {
    if (digits.startsWith('44')) digits = digits.slice(2);
    digits = digits.replace(/^0/, '');
    if (!digits.startsWith('7')) return { ok: false, message: 'Not a UK mobile number' };
    if (digits.length > 10) return { ok: false, message: 'Too many digits' };
    if (digits.length < 10) return { ok: false, message: 'Not enough digits' };
    return { ok: true, value: { normalised: `44${digits}`, international: false } };
  }
  if (digits.length > 15) return { ok: false, message: 'Too many digits' };
  if (digits.length < 8) return { ok: false, message: 'Not enough digits' };
  return { ok: true, value: { normalised: digits, international: true } };
}

/** A UK postcode, as Royal Mail writes them (also BFPO). */
const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}|BFPO\s*\d{1,4})$/i;

export function normalisePostcode(raw: string): string | undefined {
  const compact = raw.trim().toUpperCase().replace(/\s+/g, '');
  if (!POSTCODE.test(compact)) return undefined;
  if (compact.startsWith('BFPO')) return `BFPO ${compact.slice(4)}`;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

export type PostalAddress = { lines: string[]; postcode: string };

export const ADDRESS_MIN_LINES = 3;
export const ADDRESS_MAX_LINES = 7;
/**
 * Civitas' own limit on one address line (GOV.UK Notify has none at the API: an address too wide
 * for the envelope window fails later, when its PDF is checked). Generous for any real address,
 * it keeps a letter's address block, and the work of laying it out, small.
 */
export const ADDRESS_LINE_MAX_CHARACTERS = 255;

/** The line breaks Python's str.splitlines() splits at, which Notify's address parsing uses. */
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
/** notifications-utils' "obscure" whitespace: zero-width ones removed, full-width ones made spaces. */
const ZERO_WIDTH_WHITESPACE = /[\u180e\u200b\u200c\u200d\u2060\ufeff\u2028\u2029]/g;
const FULL_WIDTH_WHITESPACE = /[\u00a0\u202f]/g;
const INVALID_FIRST_CHARACTERS = new Set('@()=[]"\\/,<>~');

function addressKeys(personalisation: Readonly<Record<string, unknown>>): string[] {
  const keys = ['address_line_1', 'address_line_2', 'address_line_3', 'address_line_4', 'address_line_5', 'address_line_6'];
  keys.push('address_line_7' in personalisation ? 'address_line_7' : 'postcode');
  return keys;
}

/**
 * The address lines given, empty ones left out: `address_line_1` to `address_line_7` when
 * `address_line_7` is given, else `address_line_1` to `address_line_6` then `postcode`
 * (notifications-utils `PostalAddress.from_personalisation`). One value per line, as given.
 */
export function listAddressLines(personalisation: Readonly<Record<string, unknown>>): string[] {
  const lines: string[] = [];
  for (const key of addressKeys(personalisation)) {
    const value = personalisation[key];
    if (value === undefined || value === null) continue;
    const text = String(value).trim();
    if (text !== '') lines.push(text);
  }
  return lines;
}

/**
 * The address as Notify reads it to print (notifications-utils `PostalAddress`): the values
 * joined with newlines and split again at every line break, so a value holding line breaks is
 * several lines; whitespace in each line collapsed, trailing spaces and commas dropped, no space
 * before a comma or full stop, empty lines left out.
 */
export function normaliseAddressLines(personalisation: Readonly<Record<string, unknown>>): string[] {
  const raw = addressKeys(personalisation)
    .map((key) => {
      const value = personalisation[key];
      return value === undefined || value === null || value === '' || value === false || value === 0 ? '' : String(value);
    })
    .join('\n');
  const lines: string[] = [];
  for (const rawLine of raw.split(LINE_BREAKS)) {
    const collapsed = rawLine.replace(FULL_WIDTH_WHITESPACE, ' ').replace(ZERO_WIDTH_WHITESPACE, '').split(/\s+/).filter(Boolean).join(' ');
    let end = collapsed.length;
    // Python's rstrip(" ,"), as a loop: /[ ,]+$/ takes quadratic time on a long run of commas.
    while (end > 0 && (collapsed[end - 1] === ' ' || collapsed[end - 1] === ',')) end -= 1;
    const trimmed = collapsed.slice(0, end);
    if (trimmed === '') continue;
    lines.push(trimmed.replace(/ ([,.])/g, '$1'));
  }
  return lines;
}

/**
 * Notify's address checks for a letter sent by API (notifications-api `validate_address`), in its
 * order and words: 3 to 7 lines after line breaks are counted, the first two with a letter or
 * digit, the last a UK postcode (Civitas prints in the UK only), no line starting with one of
 * Notify's refused characters, no "no fixed abode". Then Civitas' own limit on a line's length.
 */
export function checkPostalAddress(personalisation: Readonly<Record<string, unknown>>): Checked<PostalAddress> {
  const lines = normaliseAddressLines(personalisation);
  if (lines.length < ADDRESS_MIN_LINES) return { ok: false, message: `Address must be at least ${ADDRESS_MIN_LINES} lines` };
  if (lines.length > ADDRESS_MAX_LINES) return { ok: false, message: `Address must be no more than ${ADDRESS_MAX_LINES} lines` };
  if (!lines.slice(0, 2).every((line) => /[a-zA-Z0-9]/.test(line))) {
    return { ok: false, message: 'The first 2 lines of the address must both include at least one alphanumeric character' };
  }
  const postcode = normalisePostcode(lines.at(-1) as string);
  if (!postcode) return { ok: false, message: 'Must be a real UK postcode' };
  const printed = [...lines.slice(0, -1), postcode];
  if (printed.some((line) => INVALID_FIRST_CHARACTERS.has(line[0] as string))) {
    return { ok: false, message: 'Address lines must not start with any of the following characters: @ ( ) = [ ] \u201d \\ / , < >' };
  }
  if (printed.some((line) => line.toLowerCase() === 'nfa') || /no fixed (abode|address)/i.test(printed.join('\n'))) {
    return { ok: false, message: 'Must be a real address' };
  }
  if (printed.some((line) => line.length > ADDRESS_LINE_MAX_CHARACTERS)) {
    return { ok: false, message: `Address lines must be ${ADDRESS_LINE_MAX_CHARACTERS} characters or fewer` };
  }
  return { ok: true, value: { lines: printed, postcode } };
}
