import { findJailbreak } from './input-guardrails.ts';
import { findPersonalData } from './personal-data.ts';
import type { RetrievedPassage } from './retrieval.ts';

/**
 * Checks that only a model's answer needs, before the output guardrails every answer passes:
 * a model can be talked round, remember things it was not given, or ramble.
 */

export type ModelWordingFailure = 'too-long' | 'personal-data' | 'instruction-leak' | 'changed-facts';

/** A short answer, as asked for: three sentences and their citations fit with room to spare. */
export const MAX_MODEL_ANSWER_LENGTH = 1_200;
/** This many words of the instructions in a row, in an answer, is the instructions leaking. */
const LEAKED_RUN = 6;

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function repeatsInstructions(text: string, instructions: string): boolean {
  const answer = ` ${wordsOf(text).join(' ')} `;
  const words = wordsOf(instructions);
  for (let start = 0; start + LEAKED_RUN <= words.length; start += 1) {
    if (answer.includes(` ${words.slice(start, start + LEAKED_RUN).join(' ')} `)) return true;
  }
  return false;
}

/** Long digit runs (phone numbers, references) written without their spacing. */
function digitRunsOf(text: string): string[] {
  return (text.match(/\d(?:[ \-.()/]{0,3}\d){5,}/g) ?? []).map((run) => run.replace(/\D/g, ''));
}

/**
 * Personal data the passages do not hold: a phone number from a contact block is guidance, any
 * other is something the model made up or remembered.
 */
function holdsForeignPersonalData(text: string, passages: readonly RetrievedPassage[]): boolean {
  const found = findPersonalData(text);
  if (found === undefined) return false;
  const given = passages.map((passage) => passage.text).join('\n');
  if (findPersonalData(given) !== found) return true;
  const givenDigits = digitRunsOf(given).join(' ');
  return digitRunsOf(text).some((run) => !givenDigits.includes(run));
}

/** Words that turn a statement round: a model that adds or drops one says the opposite of its source. */
const NEGATIONS = new Set(['not', 'no', 'never', 'cannot', "can't", "won't", "don't", "doesn't", "isn't", "aren't", "wasn't", "weren't", "shouldn't", "mustn't", "didn't", 'nid', 'ddim', 'dim', 'na', 'nac', 'heb', 'byth']);
/** Words that say how sure or how binding a statement is: "may" is not "must". */
const MODALS = new Set(['must', 'may', 'might', 'can', 'could', 'should', 'will', 'shall', 'always', 'only', 'every', 'all', 'none', 'free', 'rhaid', 'gall', 'gallai', 'gallwch', 'dylai', 'dylech', 'bydd', 'bob']);

const tokensOf = (text: string): string[] => text.toLowerCase().replace(/[’‘]/g, "'").match(/[\p{L}\p{N}']+/gu) ?? [];
const numbersOf = (text: string): string[] => (text.match(/\d+(?:[.,]\d+)*/g) ?? []).map((number) => number.replace(/,(?=\d{3}\b)/g, ''));
const sentencesOf = (text: string): string[] => text.split(/(?<=[.!?])\s+|\n+/).map((sentence) => sentence.trim()).filter(Boolean);
/** A sentence's clauses: a model may join two statements of the passages into one sentence. */
const clausesOf = (sentence: string): string[] => sentence.split(/[,;:]|\s(?:and|but|or|ac|ond|neu)\s/i).map((clause) => clause.trim()).filter(Boolean);

/**
 * Whether a model's answer says something its passages do not, in the words that carry the facts:
 * a number the passages do not hold (£1000 for £10), or a clause whose nearest clause of the
 * passages differs from it in negation ("may not charge" for "may charge") or in a modal word
 * ("must" for "may"). The 80% of words the output guardrails ask for lets all of these through.
 */
export function changesTheFacts(text: string, passages: readonly Pick<RetrievedPassage, 'text'>[]): boolean {
  const given = passages.map((passage) => passage.text).join('\n');
  const answer = text.replace(/\[\d+(?:,\s*\d+)*\]/g, '');
  const givenNumbers = new Set(numbersOf(given));
  if (numbersOf(answer).some((number) => !givenNumbers.has(number))) return true;
  const candidates = sentencesOf(given).flatMap(clausesOf).map((clause) => new Set(tokensOf(clause)));
  for (const clause of sentencesOf(answer).flatMap(clausesOf)) {
    const words = tokensOf(clause);
    if (words.length === 0) continue;
    let nearest: Set<string> | undefined;
    let nearestShared = -1;
    for (const candidate of candidates) {
      const shared = words.filter((word) => candidate.has(word)).length;
      if (shared > nearestShared) [nearest, nearestShared] = [candidate, shared];
    }
    if (!nearest) return true;
    const negated = words.some((word) => NEGATIONS.has(word));
    const sourceNegated = [...nearest].some((word) => NEGATIONS.has(word));
    if (negated !== sourceNegated) return true;
    if (words.some((word) => MODALS.has(word) && !nearest.has(word))) return true;
  }
  return false;
}

export function checkModelWording(answer: { text: string; systemPrompt: string; passages: readonly RetrievedPassage[] }): ModelWordingFailure | undefined {
  if (answer.text.length > MAX_MODEL_ANSWER_LENGTH) return 'too-long';
  const instructions = answer.systemPrompt.slice(0, answer.systemPrompt.indexOf('\nPassages:'));
  if (findJailbreak(answer.text) !== undefined || repeatsInstructions(answer.text, instructions)) return 'instruction-leak';
  if (holdsForeignPersonalData(answer.text, answer.passages)) return 'personal-data';
  if (changesTheFacts(answer.text, answer.passages)) return 'changed-facts';
  return undefined;
}
