import { normaliseQuestion } from './question-normalisation.ts';

/**
 * Personal data in a question, found the way people write it, not only the tidy way: digits
 * spaced, dashed or written full-width, zero-width characters slipped in, email addresses with
 * "at" and "dot". Every check walks the text a bounded number of times, so no question is slow.
 */

/** Every kind of personal data the checks look for (the transparency record lists them from here). */
export const PERSONAL_DATA_KINDS = ['email-address', 'phone-number', 'national-insurance-number', 'card-number', 'date-of-birth', 'address', 'name', 'reference', 'vehicle-registration'] as const;
export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

/** English numbers in words, the one list the patterns below are made from: ONES[n - 1] is n. */
const ONES = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINAL_ONES = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const ORDINAL_TEENS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];

/**
 * Digits written as words, in English and Welsh ("oh seven seven", "dim saith saith"). Maps, not
 * objects: a question's word is looked up in them, and only their own words may count, never an
 * object's inherited names ("constructor", "toString").
 */
const DIGIT_WORDS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    zero: '0', oh: '0', o: '0', nought: '0', nil: '0',
    ...Object.fromEntries(ONES.map((word, index) => [word, String(index + 1)])),
    dim: '0', sero: '0', un: '1', dau: '2', dwy: '2', tri: '3', tair: '3', pedwar: '4', pedair: '4',
    pump: '5', pum: '5', chwech: '6', chwe: '6', saith: '7', wyth: '8', naw: '9',
  }),
);
const REPEATS: ReadonlyMap<string, number> = new Map([['double', 2], ['triple', 3], ['dwbl', 2]]);
/** Words and digits, apart even when glued together ("0seven7009001two3"). */
const SPOKEN_TOKEN = /\p{L}+|\d+/gu;

/**
 * Runs of digits written out or read aloud ("oh seven seven double zero nine..."), as digits:
 * words and digits next to each other, with spaces, commas or dashes between, make one run. Runs
 * of digits alone are left to DIGIT_RUN ("2019, 2020, 2021" is a list of years, not a number).
 */
function spokenDigitRuns(text: string): string[] {
  const runs: string[] = [];
  let run = '';
  let spoken = false;
  let repeat = 1;
  let lastEnd = 0;
  const close = () => {
    if (spoken) runs.push(run);
    run = '';
    spoken = false;
    repeat = 1;
  };
  for (const match of text.toLowerCase().matchAll(SPOKEN_TOKEN)) {
    const token = match[0];
    if (!/^[\s,-]*$/.test(text.slice(lastEnd, match.index))) close();
    lastEnd = match.index + token.length;
    const digits = /^\d+$/.test(token) ? token : DIGIT_WORDS.get(token);
    const times = REPEATS.get(token);
    if (digits !== undefined) {
      run += digits.repeat(repeat);
      spoken ||= digits !== token;
      repeat = 1;
    } else if (times !== undefined) {
      repeat = times;
    } else {
      close();
    }
  }
  close();
  return runs;
}

/** Runs of digits with at most three separators between each two (spaces, dashes, dots, brackets, slashes). */
const DIGIT_RUN = /\+?\d(?:[ \-.()/]{0,3}\d)*/g;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * GOV.UK Chat's rule: any 13 to 16 digits may be a card. Within a longer run ("4111 1111 1111
 * 1111 2029"), any groups next to each other that make 13 to 16 digits count too. Each window
 * stops at 16 digits, so a run is walked a bounded number of times.
 */
function holdsCardLengthGroups(run: string): boolean {
  const groups = run.split(/\D+/).filter(Boolean);
  for (let first = 0; first < groups.length; first += 1) {
    let digits = 0;
    for (let next = first; next < groups.length && digits <= 16; next += 1) {
      digits += groups[next]!.length;
      if (digits >= 13 && digits <= 16) return true;
    }
  }
  return false;
}

function numberKind(run: string): PersonalDataKind | undefined {
  const digits = run.replace(/\D/g, '');
  if (run.startsWith('+') && digits.length >= 8 && digits.length <= 15) return 'phone-number';
  if (digits.length >= 17 && digits.length <= 19 && passesLuhn(digits)) return 'card-number';
  if (holdsCardLengthGroups(run)) return 'card-number';
  if (/^0[1-9]\d{8,9}$/.test(digits)) return 'phone-number';
  if (/^44[1-9]\d{8,9}$/.test(digits)) return 'phone-number';
  return undefined;
}

/**
 * National Insurance numbers: two letters, six digits (in pairs or not) and, usually, a letter A
 * to D. Any two letters: the prefixes never issued (such as QQ) are the ones people use as examples.
 */
const NATIONAL_INSURANCE = /(?<![a-z0-9])[a-z]{2}[ \-./:,]?\d{2}[ \-./:,]?\d{2}[ \-./:,]?\d{2}(?:[ \-./:,]?[a-d])?(?![a-z0-9])/i;

/** Single letters and digits spelled out one by one ("C F 1 0 1 A A", "Q Q one two three..."), joined up. */
const SINGLES = /(?<![\p{L}\p{N}])[\p{L}\p{N}](?: [\p{L}\p{N}](?![\p{L}\p{N}])){3,}/gu;
function joinedSingles(text: string): string {
  const digitsAsWords = text.replace(/\p{L}+/gu, (word) => DIGIT_WORDS.get(word.toLowerCase()) ?? word);
  return digitsAsWords.replace(SINGLES, (singles) => singles.replace(/ /g, ''));
}

/** "at" and "dot" written out, bracketed or not, as in "jo (at) example dot com". */
const WRITTEN_AT = / ?[[({<*-]? ?(?:@|\bat\b) ?[\])}>*-]? ?/gi;
const WRITTEN_DOT = / ?[[({<*-]? ?(?:\.|\bdot\b) ?[\])}>*-]? ?/gi;
/** The mail providers people name without ".com" ("jo.bloggs at gmail"). */
const PROVIDER = /^(?:gmail|googlemail|hotmail|outlook|yahoo|icloud|btinternet|live|aol|protonmail|proton|sky|virginmedia|talktalk)\b/i;
const LOCAL_CHARACTER = /[a-z0-9._%+'-]/i;
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/i;

/** Whether some "@" has an address's local part before it and a domain with a dot after it. */
function holdsEmailAddress(text: string): boolean {
  const joined = text.replace(WRITTEN_AT, '@').replace(WRITTEN_DOT, '.');
  for (let at = joined.indexOf('@'); at !== -1; at = joined.indexOf('@', at + 1)) {
    const before = joined[at - 1];
    if (before === undefined || !LOCAL_CHARACTER.test(before)) continue;
    const domain = joined.slice(at + 1, at + 256);
    if (DOMAIN.test(domain)) return true;
    // A provider alone is an address when the part before it is written like one ("jo.bloggs", "jo99"), or an "@" was typed.
    if (PROVIDER.test(domain) && (text.includes('@') || /[._%+\d-]/.test(joined.slice(Math.max(0, at - 64), at).split(' ').at(-1) ?? ''))) return true;
  }
  return false;
}

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|ionawr|chwefror|mawrth|ebrill|mai|mehefin|gorffennaf|awst|medi|hydref|tachwedd|rhagfyr';
/** A whole date: "12 April 1968", "April 12th, 1968", "12/04/1968", "1968-04-12". */
const FULL_DATE = `(?:\\d{1,2}(?:st|nd|rd|th)?[ /.-](?:of )?(?:${MONTHS})\\.?,?[ /.-]\\d{4}|(?:${MONTHS})\\.? \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2})`;
/** Words that say a date is someone's birth: a date of birth identifies a person, with almost anything else. */
const BIRTH = "b[o0]rn|birth\\w*|d[ .]?o[ .]?b\\.?|n?geni|n?genedigaeth|ganwyd|ganed|pen-?blwydd";
/** A birth word and a whole date within a few words of each other, either way round. */
const DATE_OF_BIRTH = new RegExp(`\\b(?:${BIRTH})\\b(?:[^.?!]{0,30}?)${FULL_DATE}|${FULL_DATE}(?:[^.?!]{0,20}?)\\b(?:${BIRTH})\\b`, 'i');
/** A date in words ("the twelfth of April nineteen sixty-eight"), after a birth word. */
const UNITS = [...ONES, ...ORDINAL_ONES].join('|');
const DAY_IN_WORDS = `(?:(?:twenty|thirty)[ -]?(?:${UNITS})|${UNITS}|${[...TEENS, 'twenty', 'thirty', ...ORDINAL_TEENS, 'twentieth', 'thirtieth'].join('|')}|\\d{1,2}(?:st|nd|rd|th)?)`;
const YEAR_IN_WORDS = `(?:\\d{4}|(?:nineteen|twenty|two thousand)(?:[ -](?:and|oh|[a-z]+ty|${[...ONES, ...TEENS].join('|')})){1,3})`;
const DATE_IN_WORDS = `(?:(?:the )?${DAY_IN_WORDS} (?:of )?(?:${MONTHS}),? ${YEAR_IN_WORDS}|(?:${MONTHS}) (?:the )?${DAY_IN_WORDS},? ${YEAR_IN_WORDS})`;
const BIRTH_IN_WORDS = new RegExp(`\\b(?:${BIRTH})\\b(?:[^.?!]{0,30}?)\\b${DATE_IN_WORDS}\\b`, 'i');

/** UK postcodes, such as "CF10 1AA" or "sw1a2aa". */
const POSTCODE = /(?<![a-z0-9])[a-z]{1,2}\d[a-z\d]?[ -]?\d[abd-hjlnp-uw-z]{2}(?![a-z0-9])/i;
/** Streets as people name them in full, and as they shorten them ("lon" is "lôn" typed without its accent). */
const STREETS = ['street', 'road', 'avenue', 'lane', 'close', 'drive', 'way', 'court', 'crescent', 'place', 'gardens', 'terrace', 'hill', 'grove', 'park', 'square', 'row', 'walk', 'mews', 'heol', 'ffordd', 'stryd', 'lôn', 'cilgant', 'rhodfa'];
const STREET_ABBREVIATIONS = ['st', 'rd', 'ave', 'ln', 'dr', 'ct', 'pl', 'lon'];
const STREET_WORDS = [...STREETS, ...STREET_ABBREVIATIONS].join('|');
/** Words that, after a number, say it counts something rather than numbering a house. */
const COUNTED = 'hours?|minutes?|days?|weeks?|months?|years?|times?|miles?|metres?|meters?|pounds?|spaces?|cars?|vehicles?|people|children|badges?|penalt\\w*|fines?|steps?|parts?|bands?|blwydd\\w*|diwrnod\\w*|awr';
/** A house number with its street ("12 Acacia Avenue"), or a flat or house named by number. */
const HOUSE_NUMBER = new RegExp(
  `(?<![\\d£$.,])\\b\\d{1,4}[a-z]?,? (?!(?:${COUNTED})\\b)(?:[a-zà-ÿŵŷ'-]+ ){0,2}(?:${STREET_WORDS})\\b|\\b(?:flat|apartment|fflat|house number|rhif tŷ|rhif ty) ?\\d{1,4}[a-z]?\\b`,
  'i',
);

/** A house number in words with a street named in capitals ("twelve Acacia Avenue"); "one way street" names no house. */
const NUMBER_WORDS = [...ONES, ...TEENS, ...TENS, 'hundred'];
const capitalised = (word: string) => word[0]!.toUpperCase() + word.slice(1);
/** The number's first word with a capital or without ("Twelve", "twelve"); the street's word all capitalised or all small. */
const HOUSE_NUMBER_IN_WORDS = new RegExp(
  `(?<![\\p{L}])(?:${NUMBER_WORDS.map((word) => `[${word[0]}${capitalised(word[0]!)}]${word.slice(1)}`).join('|')})(?:[ -](?:${NUMBER_WORDS.join('|')}))?,? (?:\\p{Lu}[\\p{Ll}'-]+ ){1,2}(?:${STREETS.map(capitalised).join('|')}|${STREETS.join('|')})(?![\\p{L}])`,
  'u',
);

/** A word written as a name is: a capital, then small letters (O'Connell, ap Rhys's "Rhys", Mary-Jane). */
const NAME_WORD = "\\p{Lu}[\\p{Ll}'’-]*\\p{Ll}";
/** Words that say a person is being named next: introductions, and the people a question may be about. */
const INTRODUCTION = "my name is|my name's|my names|name is|name ?:|i am called|i'm called|call me|this is|i am|i'm|im|fy enw i yw|fy enw yw|fy enw i ydy|fy enw ydy|enw|(?:kind |best |warm )?regards|many thanks|thanks|thank you|cheers|best wishes|yours sincerely|yours faithfully|diolch(?: yn fawr)?|cofion(?: gorau)?|yn gywir";
/** Introductions that say outright a name follows, so a name written without capitals ("my name is sarah jenkins") counts. */
const EXPLICIT_INTRODUCTION = /^(?:my name is|my name's|my names|name ?:|fy enw i yw|fy enw yw|fy enw i ydy|fy enw ydy),? /i;
/** Words that follow "my name is" in questions about a name, not in a name ("my name is spelt wrong on the bill"). */
const NOT_NAMES = new Set(
  'not|on|in|the|a|an|and|or|but|wrong|spelt|spelled|misspelt|misspelled|missing|still|different|changed|changing|being|going|correct|incorrect|already|also|listed|shown|printed|written|both|only|under|at|of|to|for|with|from|as|by|is|was|same|now|then|too|there|here|mine|my|your|his|her|their|our|it|this|that|right|long|short|new|old|legally|officially|hyphenated|double|barrelled|welsh|english|yn|ar|ddim|wedi|y|yr|ac|ond|ei|eu|fy|ein|eich|ddim|hefyd|anghywir|blank|empty|unknown|hidden|removed|added|needed|required|spelled|spelling|displayed|incomplete|mis|so|very|too|just|about|printed'.split('|'),
);
const RELATION =
  'my (?:mum|mother|mam|dad|father|son|daughter|husband|wife|partner|brother|sister|nan|nana|gran|granny|grandmother|grandfather|grandson|granddaughter|aunt|uncle|niece|nephew|friend|neighbour|carer|tenant|lodger|landlord|child|boyfriend|girlfriend)|fy (?:mam|nhad|mab|merch|ngŵr|ngwr|ngwraig|mhartner|mrawd|chwaer|nain|taid|ffrind|nghymydog)';
/**
 * A person named in full: a first name and a surname after an introduction or a relation ("my
 * name is Sarah Jenkins", "my son, David Hughes"), or a surname after a title ("Mrs Patel").
 * Capitals carry the meaning here, so these are matched as written, not folded.
 */
const PERSON_NAME = new RegExp(
  `(?<![\\p{L}])(?:(?:${INTRODUCTION}|${RELATION}),? ${NAME_WORD}(?: (?:ap |ab |de |van |von |mac |bin |al )?${NAME_WORD})|(?:Mr|Mrs|Ms|Miss|Mx|Dr|Mister|Madam)\\.? ${NAME_WORD}|${NAME_WORD} ${NAME_WORD} (?:ydw i|dw i|yw fy enw|ydy fy enw|is my name))(?![\\p{L}])`,
  'giu',
);
/** Names of things the guidance speaks of, which are written like a person's name. */
const NAMED_THINGS = /^(?:dr\.? who|doctor who|blue badge|council tax|one login|national insurance|direct debit|post office|universal credit|pension credit|personal independence|disability living|fixed penalty|penalty charge)/i;

const CUE = new RegExp(`^(?:${INTRODUCTION}|${RELATION}),? `, 'iu');
const AFTER_NAME = / (?:ydw i|dw i|yw fy enw|ydy fy enw|is my name)$/i;

function holdsPersonName(text: string): boolean {
  for (const [match] of text.replace(/[’‘]/g, "'").matchAll(PERSON_NAME)) {
    const named = match.replace(CUE, '').replace(AFTER_NAME, '');
    const words = named.split(' ');
    // The cue is matched ignoring case ("I'm", "MY SON"), but each word of the name must be capitalised as written,
    // unless the cue says outright that a name follows and no word of it is one a question about a name would use.
    const capitalised = words.every((word) => /^(?:ap|ab|de|van|von|mac|bin|al|Mr|Mrs|Ms|Miss|Mx|Dr|Mister|Madam)\.?$/i.test(word) || /^\p{Lu}/u.test(word));
    const introduced = EXPLICIT_INTRODUCTION.test(match) && words.every((word) => !NOT_NAMES.has(word.toLowerCase()));
    if ((capitalised || introduced) && !NAMED_THINGS.test(named)) return true;
  }
  return false;
}

/**
 * A reference that identifies someone's own case: an account, case, claim, crime or penalty
 * charge notice number given with its name ("PCN reference WX73019544", "account number
 * 60012345"), or letters followed by six or more digits however spaced ("CT-2024-118832").
 */
const REFERENCE_NAME = '(?:reference|ref|account|case|claim|crime|pcn|ticket|notice|penalty charge|application|customer|badge|invoice|cyfeirnod|rhif cyfrif|rhif achos)';
const NAMED_REFERENCE = new RegExp(`\\b${REFERENCE_NAME}\\b(?: (?:number|no|num|#|reference|ref|rhif))?\\.?(?: is| yw|:)?\\s*#?[a-z]{0,3}[ -]?\\d(?:[ -]?\\d){5,}`, 'i');
const LETTERED_REFERENCE = /(?<![a-z0-9])[a-z]{1,3}[ -]?\d(?:[ -]?\d){5,}(?![a-z0-9])/i;

/** UK vehicle registrations: the current style ("AB12 CDE") and the prefix style written in capitals ("A123 BCD"). */
const REGISTRATION = /(?<![a-z0-9])[a-z]{2}\d{2} ?[a-z]{3}(?![a-z0-9])|(?<![A-Za-z0-9])[A-Z]\d{1,3} ?[A-Z]{3}(?![A-Za-z0-9])/i;

/** The kind of personal data the question holds, if any, checked in a fixed order. */
export function findPersonalData(question: string): PersonalDataKind | undefined {
  const text = normaliseQuestion(question);
  if (holdsEmailAddress(text)) return 'email-address';
  const singles = joinedSingles(text);
  if (NATIONAL_INSURANCE.test(text) || NATIONAL_INSURANCE.test(singles)) return 'national-insurance-number';
  for (const match of text.matchAll(DIGIT_RUN)) {
    const kind = numberKind(match[0]);
    if (kind) return kind;
  }
  for (const run of spokenDigitRuns(text)) {
    const kind = numberKind(run);
    if (kind) return kind;
  }
  if (DATE_OF_BIRTH.test(text)) return 'date-of-birth';
  if (NAMED_REFERENCE.test(text) || LETTERED_REFERENCE.test(text)) return 'reference';
  if (BIRTH_IN_WORDS.test(text)) return 'date-of-birth';
  if (HOUSE_NUMBER.test(text) || HOUSE_NUMBER_IN_WORDS.test(text)) return 'address';
  // A full postcode names a street or a few homes: with or without a house number, it is not sent on.
  if (POSTCODE.test(text) || POSTCODE.test(singles)) return 'address';
  if (REGISTRATION.test(text)) return 'vehicle-registration';
  if (holdsPersonName(text)) return 'name';
  return undefined;
}
