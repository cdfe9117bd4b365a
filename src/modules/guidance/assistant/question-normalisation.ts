/**
 * A question as the guardrails read it, whichever way it was typed: compatibility forms folded,
 * digits of every script and look-alike letters as ASCII, text hidden in tag characters read out,
 * markup tags and invisible characters gone, dashes plain. The personal-data and jailbreak checks
 * both start from it.
 */

const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;

/**
 * Unicode tag characters (U+E0000 to U+E007F) are invisible, and U+E0020 to U+E007E mirror ASCII:
 * text written in them ("ASCII smuggling") is hidden from people but read by a language model.
 * So they are not simply dropped: a run of them is read as the ASCII it spells, set apart from the
 * words around it, and the checks see what was hidden. The rest of the block carries nothing and
 * goes. A flag's tags (🏴 then "gbwls" and the cancel tag: Wales) name a flag, not words, and go too.
 */
const TAG_CHARACTERS = /[\u{E0000}-\u{E007F}]+/gu;
const FLAG_TAGS = /(?<=\u{1F3F4})[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,7}\u{E007F}/gu;
function readTagCharacters(text: string): string {
  return text.replace(FLAG_TAGS, '').replace(TAG_CHARACTERS, (run) => {
    const spelled = [...run].map((tag) => tag.codePointAt(0)! - 0xe0000).filter((code) => code >= 0x20 && code < 0x7f);
    return spelled.length === 0 ? '' : ` ${String.fromCharCode(...spelled)} `;
  });
}

/** Every kind of dash and hyphen (‐ ‑ – — −, and the rest), which people paste from documents. */
const DASHES = /[\p{Pd}\u2212]/gu;

/** Cyrillic and Greek letters drawn like Latin ones ("АВ123456С", ".cоm"): no Welsh or English word mixes scripts, so they are read as Latin. */
const CONFUSABLES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I', Ј: 'J', Ѕ: 'S',
    а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's',
    Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Χ: 'X', Υ: 'Y', ο: 'o',
  }),
);
const CONFUSABLE = new RegExp(`[${[...CONFUSABLES.keys()].join('')}]`, 'g');
const DECIMAL_DIGIT = /\p{Nd}/u;

/** A decimal digit of any script as ASCII ("١", "४"): Unicode encodes each script's digits 0 to 9 in a row, so its value is its place in the row. */
function asciiDigit(digit: string): string {
  let codePoint = digit.codePointAt(0)!;
  if (codePoint < 128) return digit;
  let place = 0;
  while (place < 64 && DECIMAL_DIGIT.test(String.fromCodePoint(codePoint - 1))) {
    codePoint -= 1;
    place += 1;
  }
  return String(place % 10);
}

/** Markup tags ("ig<b>n</b>ore"): gone inside a word, a space elsewhere. The chat-template names are left for the jailbreak checks. */
const TAG = /<\/?([a-z][a-z0-9]{0,10})(?:\s[^<>]{0,100})?\/?>/gi;
const TEMPLATE_TAG = /^(?:system|assistant|user|inst|developer)$/i;
function withoutTags(text: string): string {
  return text.replace(TAG, (tag: string, name: string, at: number, whole: string) => {
    if (TEMPLATE_TAG.test(name)) return tag;
    return /\p{L}/u.test(whole[at - 1] ?? '') && /\p{L}/u.test(whole[at + tag.length] ?? '') ? '' : ' ';
  });
}

/** A word of digits and the letter O ("O77OO9OO123"): the O's are zeros. */
const DIGITS_AND_OS = /(?<![\p{L}\p{N}])[0-9Oo]+(?![\p{L}\p{N}])/gu;

/**
 * The question as the checks read it: compatibility forms folded (full-width digits), digits of
 * every script and look-alike letters read as ASCII, text hidden in tag characters read out,
 * markup tags gone, dashes plain, underscores spaces, invisible characters gone, spaces single.
 */
export function normaliseQuestion(question: string): string {
  const folded = readTagCharacters(question)
    .normalize('NFKC')
    .replace(CONFUSABLE, (letter) => CONFUSABLES.get(letter) ?? letter)
    .replace(/\p{Nd}/gu, asciiDigit)
    .replace(INVISIBLE, '');
  return withoutTags(folded)
    .replace(DASHES, '-')
    .replace(/[_。]/g, (character) => (character === '_' ? ' ' : '.'))
    .replace(/\s+/g, ' ')
    .replace(DIGITS_AND_OS, (word) => (/\d/.test(word) ? word.replace(/o/gi, '0') : word));
}
