/**
 * How hard a secret is to guess, estimated from its text alone. The estimate is crude on purpose
 * (it cannot know how a value was chosen), but it refuses what people type when asked for a key:
 * one letter held down, a word repeated, the alphabet or the digits in order.
 */

export const MINIMUM_SECRET_BITS = 128;
export const MINIMUM_DIFFERENT_CHARACTERS = 8;

/** What `describeSecretWeakness` accepts, in words, for the configuration table. */
export const HARD_TO_GUESS = `at least ${MINIMUM_DIFFERENT_CHARACTERS} different characters, not a shorter text repeated, and an estimated ${MINIMUM_SECRET_BITS} bits or more (its length times the bits of the character classes it uses: lower case, upper case, digits, others; a character that continues a run such as \`abc\`, \`cba\` or \`aaa\` adds nothing), as \`openssl rand -base64 32\` gives`;

const CHARACTER_CLASSES: ReadonlyArray<{ pattern: RegExp; size: number }> = [
  { pattern: /[a-z]/, size: 26 },
  { pattern: /[A-Z]/, size: 26 },
  { pattern: /[0-9]/, size: 10 },
  { pattern: /[^a-zA-Z0-9]/, size: 33 },
];

/** True when the whole text is a shorter text said again and again (`abcabcabc`, `aaaa`). */
function isRepeatedText(characters: readonly string[]): boolean {
  for (let period = 1; period <= characters.length / 2; period += 1) {
    if (characters.every((character, index) => index < period || character === characters[index - period])) return true;
  }
  return false;
}

/**
 * Characters that add to the estimate: every one except those that take the same step as the
 * one before them, when that step is -1, 0 or +1 (the `c` of `abc`, the third `a` of `aaa`).
 */
function countCharactersOutsideRuns(characters: readonly string[]): number {
  let counted = 0;
  let previousStep: number | undefined;
  for (let index = 0; index < characters.length; index += 1) {
    const step = index === 0 ? undefined : (characters[index].codePointAt(0) as number) - (characters[index - 1].codePointAt(0) as number);
    const continuesRun = step !== undefined && step === previousStep && Math.abs(step) <= 1;
    if (!continuesRun) counted += 1;
    previousStep = step;
  }
  return counted;
}

/** Length (outside runs) times log2 of the size of the character classes the text uses. */
export function estimateSecretBits(secret: string): number {
  const characters = [...secret];
  const alphabet = CHARACTER_CLASSES.filter(({ pattern }) => pattern.test(secret)).reduce((sum, { size }) => sum + size, 0);
  if (alphabet === 0) return 0;
  return countCharactersOutsideRuns(characters) * Math.log2(alphabet);
}

/** Why a secret is too easy to guess, in words that do not give it away; undefined if it is not. */
export function describeSecretWeakness(secret: string): string | undefined {
  const characters = [...secret];
  const different = new Set(characters).size;
  if (different < MINIMUM_DIFFERENT_CHARACTERS) {
    const uses = different === 1 ? 'a single character' : `only ${different} different characters`;
    return `it uses ${uses}, and needs at least ${MINIMUM_DIFFERENT_CHARACTERS} different ones`;
  }
  if (isRepeatedText(characters)) return 'it is a shorter text repeated';
  const bits = estimateSecretBits(secret);
  if (bits < MINIMUM_SECRET_BITS) {
    return `it is estimated at ${Math.floor(bits)} bits, and needs at least ${MINIMUM_SECRET_BITS}`;
  }
  return undefined;
}
