import type { Passage } from './passages.ts';
import { processTerm, termsOf } from './question-terms.ts';

/**
 * "How do I apply for a passport?" is about a passport: guidance that mentions a passport only as
 * proof of identity for a Blue Badge does not answer it, however many of the question's words it
 * holds. For questions that ask how to do something to a thing (apply for, get, renew, replace,
 * report, register, book, cancel, pay), the thing is the subject, and a passage answers only when
 * its page's title or its section's heading names it: when the page is about it.
 */
const ASKS_TO = /\b(?:how (?:do|can|would|should|could) (?:i|we)|where (?:do|can|should) (?:i|we)|can (?:i|we)|i (?:want|need|would like) to)\s+(?:apply for|get|renew|replace|report|register for|register|book|cancel|pay for|pay|obtain|order)\s+(?:(?:a|an|my|the|our|new|another|for)\s+){0,3}([a-z][a-z' -]{0,60}?)(?=\s*(?:[?.!,]|$|\s(?:online|from|for|in|at|if|when|with|on|by|to|after|before|without|as)\b))/i;

/** The subject's head word (the last word of the thing asked about), as the index stems it; none for other questions. */
export function subjectOf(question: string): string | undefined {
  const thing = ASKS_TO.exec(question)?.[1];
  const head = thing?.trim().split(/\s+/).at(-1);
  return head === undefined ? undefined : (processTerm(head.toLowerCase()) ?? undefined);
}

const sameTerm = (a: string, b: string) => a === b || (a.length >= 4 && b.length >= 4 && (a.startsWith(b) || b.startsWith(a)));

/** Whether the passage's page title or section heading names the subject. */
export function isAbout(passage: Pick<Passage, 'title' | 'heading'>, subject: string): boolean {
  return [...termsOf(`${passage.title} ${passage.heading}`)].some((term) => sameTerm(term, subject));
}
