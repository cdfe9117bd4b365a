import { findJailbreak } from './input-guardrails.ts';
import { findPersonalData } from './personal-data.ts';
import type { RetrievedPassage } from './retrieval.ts';

/**
 * Checks that only a model's answer needs, before the output guardrails every answer passes:
 * a model can be talked round, remember things it was not given, or ramble.
 */

export type ModelWordingFailure = 'too-long' | 'personal-data' | 'instruction-leak';

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

export function checkModelWording(answer: { text: string; systemPrompt: string; passages: readonly RetrievedPassage[] }): ModelWordingFailure | undefined {
  if (answer.text.length > MAX_MODEL_ANSWER_LENGTH) return 'too-long';
  const instructions = answer.systemPrompt.slice(0, answer.systemPrompt.indexOf('\nPassages:'));
  if (findJailbreak(answer.text) !== undefined || repeatsInstructions(answer.text, instructions)) return 'instruction-leak';
  if (holdsForeignPersonalData(answer.text, answer.passages)) return 'personal-data';
  return undefined;
}
