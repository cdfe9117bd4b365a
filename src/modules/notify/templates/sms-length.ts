/**
 * How long a text message is, as networks count it. GSM 03.38 text: 160 characters in one
 * message, 153 a part when split, characters of the extension table counting twice. A message
 * with a Welsh letter that GSM lacks (such as ŵ or â) goes as Unicode: 70, or 67 a part. Other
 * characters outside GSM are replaced by a near equivalent, or `?`, as they will be when sent.
 */

export const SMS_MAX_CHARACTERS = 918;

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const GSM_CHARACTERS = new Set([...GSM_BASIC]);
const GSM_EXTENDED_CHARACTERS = new Set([...GSM_EXTENDED]);

/** Welsh letters with diacritics; those not in GSM make the message Unicode. */
const WELSH_CHARACTERS = 'ÀÁÂÄÈÉÊËÌÍÎÏÒÓÔÖÙÚÛÜŴŶŸàáâäèéêëìíîïòóôöùúûüŵŷÿ';
const WELSH_NON_GSM = new Set([...WELSH_CHARACTERS].filter((character) => !GSM_CHARACTERS.has(character)));

const DOWNGRADES: Readonly<Record<string, string>> = {
  '‘': "'", '’': "'", '‚': "'", '‛': "'", '“': '"', '”': '"', '„': '"', '‟': '"',
  '–': '-', '—': '-', '‐': '-', '‑': '-', '−': '-', '…': '...', '•': '-', '\u00a0': ' ',
  '\t': ' ', '\u2002': ' ', '\u2003': ' ', '\u2009': ' ', '\u200b': '', '\ufeff': '',
  'ç': 'Ç', 'À': 'A', 'Á': 'A', 'Â': 'A', 'Ã': 'A', 'á': 'a', 'â': 'a', 'ã': 'a',
  'È': 'E', 'Ê': 'E', 'Ë': 'E', 'ê': 'e', 'ë': 'e', 'Ì': 'I', 'Í': 'I', 'Î': 'I', 'Ï': 'I',
  'í': 'i', 'î': 'i', 'ï': 'i', 'Ò': 'O', 'Ó': 'O', 'Ô': 'O', 'Õ': 'O', 'ó': 'o', 'ô': 'o', 'õ': 'o',
  'Ù': 'U', 'Ú': 'U', 'Û': 'U', 'ú': 'u', 'û': 'u', 'Ý': 'Y', 'ý': 'y', 'ÿ': 'y', 'Ÿ': 'Y',
};

export type SmsEncoding = 'gsm' | 'unicode';

export function describeSmsEncoding(text: string): SmsEncoding {
  for (const character of text) if (WELSH_NON_GSM.has(character)) return 'unicode';
  return 'gsm';
}

/** The text as it will be sent: unchanged in Unicode; in GSM, every character made GSM. */
export function prepareSmsText(text: string): string {
  if (describeSmsEncoding(text) === 'unicode') return text;
  let prepared = '';
  for (const character of text) {
    if (GSM_CHARACTERS.has(character) || GSM_EXTENDED_CHARACTERS.has(character)) prepared += character;
    else prepared += DOWNGRADES[character] ?? '?';
  }
  return prepared;
}

/**
 * The length networks count: GSM extension characters count twice; Unicode counts UTF-16 units.
 * Counted as `prepareSmsText` would make the text, without making it (a 1 MB text took a second).
 */
export function countSmsCharacters(text: string): number {
  if (describeSmsEncoding(text) === 'unicode') return text.length;
  let count = 0;
  for (const character of text) {
    if (GSM_CHARACTERS.has(character)) count += 1;
    else if (GSM_EXTENDED_CHARACTERS.has(character)) count += 2;
    else count += (DOWNGRADES[character] ?? '?').length;
  }
  return count;
}

/** How many messages (fragments) the text is sent as, and so billed as. */
export function countSmsFragments(text: string): number {
  const length = countSmsCharacters(text);
  const [single, part] = describeSmsEncoding(text) === 'unicode' ? [70, 67] : [160, 153];
  if (length <= single) return 1;
  return Math.ceil(length / part);
}
