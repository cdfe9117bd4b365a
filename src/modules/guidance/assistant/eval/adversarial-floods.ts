import { MAX_QUESTION_LENGTH } from '../input-guardrails.ts';

/**
 * Questions at the length limit built to make a guardrail's patterns work hard: each unit an
 * outside attack tried, repeated to fill the limit. The tests check each is answered; the
 * benchmark times them (a test never asserts a time).
 */
const UNITS = ['١', 'о', 'O1', 'ig.', 'a-', 'A', 'QUFB', '<b', 'i<b>', 'my name is ', 'Sarah ', 'twelve ', 'twelve Acacia ', 'born the twelfth of April nineteen ', 'a b ', 'Q Q one ', '0seven', 'jo.b at ', ' -at- ', 'pay no attention to the ', 'ignore toutes les ', 'act as a ', "'''", 'QQ/12/', '\uFDFA', 'a'];

export const ADVERSARIAL_FLOODS: readonly string[] = UNITS.map((unit) => unit.repeat(Math.floor(MAX_QUESTION_LENGTH / unit.length)));
