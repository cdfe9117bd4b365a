import { findPersonalData, type PersonalDataKind } from './personal-data.ts';
import { normaliseQuestion } from './question-normalisation.ts';

/**
 * The assistant's first stage: questions it must not answer are refused, with a reason the page
 * and the API explain, before any search or model sees them. Refusals are kept as counts only
 * (for Insight), never with the question.
 */

export const MAX_QUESTION_LENGTH = 1_000;

export const JAILBREAK_KINDS = ['override-instructions', 'prompt-extraction', 'role-play', 'injection-markup'] as const;
export type JailbreakKind = (typeof JAILBREAK_KINDS)[number];
export const OUT_OF_SCOPE_TOPICS = ['medical', 'legal', 'financial', 'emergency'] as const;
export type OutOfScopeTopic = (typeof OUT_OF_SCOPE_TOPICS)[number];

export type InputCheck =
  | { allowed: true }
  | { allowed: false; reason: 'personal-data'; kind: PersonalDataKind }
  | { allowed: false; reason: 'jailbreak'; kind: JailbreakKind }
  | { allowed: false; reason: 'out-of-scope'; topic: OutOfScopeTopic };

/** Letters people swap for digits and symbols to slip words past a check ("1gn0re"). */
const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(Object.entries({ '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' }));

/** Three or more single letters with a dot, dash, space or the like between each ("I.g.n.o.r.e", "i g n o r e"). */
const SPELLED_OUT = /(?<![\p{L}\p{N}])\p{L}(?:[ .\-_*·,'+|/\\]{1,2}\p{L}(?![\p{L}\p{N}])){2,}/gu;

/** An override verb cut into chunks of one to four letters ("Ig.no.re", "dis-re-gard"). */
const CHUNKED = /(?<![\p{L}\p{N}])\p{L}{1,4}(?:[.\-*·]\p{L}{1,4}){1,5}(?![\p{L}\p{N}])/gu;
const OVERRIDE_VERBS = new Set(['ignore', 'disregard', 'forget', 'override', 'bypass']);

function wordsOf(question: string): string {
  return normaliseQuestion(question)
    .toLowerCase()
    .replace(/(?<![<\p{L}\p{N}])\|(?=[\p{L}\p{N}])/gu, 'i')
    .replace(/[013457@$]/g, (character) => LOOK_ALIKES.get(character) ?? character)
    .replace(SPELLED_OUT, (letters) => letters.replace(/[^\p{L}]/gu, ''))
    .replace(CHUNKED, (chunks) => {
      const joined = chunks.replace(/[^\p{L}]/gu, '');
      return OVERRIDE_VERBS.has(joined) ? joined : chunks;
    })
    .replace(/[’‘`]/g, "'")
    .replace(/[^\p{L}\p{N}' <>|[\]#:]+/gu, ' ')
    .replace(/ +/g, ' ');
}

/** Verbs that ask for text to be given back, in any form. */
const GIVE_BACK = 'reveal|show|print|repeat|output|display|tell me|give me|write out|dump|leak|translate|summari[sz]e|paraphrase|quote|recite|spell out|list|copy|share|write down';
/** What the assistant was told, as people name it. */
const INSTRUCTIONS = 'system prompt|prompt|instructions?|rules|guidelines|configuration|directives|programming|guardrails';
/** Safety measures people ask to have switched off. */
const SAFETY = 'safety|filters?|guardrails?|restrictions?|content polic\\w+|moderation|rules|limits';

const JAILBREAKS: ReadonlyArray<[JailbreakKind, RegExp]> = [
  ['override-instructions', /\b(?:ignore|disregard|forget|override|bypass|skip|drop) (?:all |any |and |the |your |my |these |those |of )*(?:previous |prior |above |earlier |original |initial |system |safety |existing |preceding |foregoing )*(?:instructions?|rules|prompts?|guidelines|guardrails|directions|directives|restrictions|programming|constraints|commands)\b|\b(?:disregard|ignore|forget) (?:all |any |and |the |your |of )*(?:previous|prior|above|earlier|preceding) guidance\b/],
  ['override-instructions', /\b(?:pay no attention|take no notice|pay no heed) (?:to |of )(?:all |any |and |the |your |of )*(?:(?:previous|prior|above|earlier|preceding|original|initial|system)\b|(?:instructions?|rules|prompts?|guidelines|directives)\b)|\b(?:instructions|directives|rules|guidelines|prompts) (?:previously|earlier|already) (?:given|provided|set)(?: to you| you)?\b/],
  // The same in the languages attacks are written in: German, Spanish, French.
  ['override-instructions', /\b(?:ignorier\w*|vergiss|vergessen sie|missachte\w*) (?:\w+ ){0,3}(?:anweisungen|regeln|instruktionen|vorgaben)\b|\b(?:ignora\w*|olvida\w*|omite) (?:\w+ ){0,3}(?:instrucciones|reglas|indicaciones)\b|\b(?:ignore[sz]?|oublie[sz]?) (?:toutes |tous |les |tes |vos |ces |des |mes |ses )+(?:\S+ )?(?:instructions|consignes|règles|directives)\b/],
  ['override-instructions', /\b(?:ignore|disregard|forget) (?:everything|all|anything)(?: (?:you (?:were|have been|'ve been) (?:told|given|taught)|above|before|previous|prior|so far|you know))?\b|\b(?:ignore|disregard) (?:the |all |everything )?(?:above|preceding|previous|prior)\b/],
  ['override-instructions', new RegExp(`\\bnew (?:instructions?|rules?|task|role|system prompt) ?:|\\bfrom now on (?:you|answer|respond|reply|act|behave|only|always|never|ignore|pretend|treat|forget)\\b|\\b(?:override|disable|turn off|switch off|deactivate|bypass|remove) (?:your |the |all |any |of )*(?:${SAFETY})\\b|\\bsafety (?:off|disabled)\\b|\\bsystem override\\b|\\bas if (?:the )?(?:guidance|rules|instructions) (?:did not|didn't|does not|doesn't) exist\\b`)],
  ['override-instructions', /\b(?:anwybydd\w*|anghofi\w*) (?:\w+ ){0,3}(?:\w*yfarwyddiad\w*|\w*heolau|\w*anllawiau)\b/],
  // "the instructions" alone may be a letter's: the assistant's own are "your" instructions, or "the hidden" ones.
  ['prompt-extraction', /\b(?:reveal|show|print|repeat|output|display|tell me|give me|what (?:is|are|were)|write out|dump|leak) (?:me )?(?:all )?(?:(?:your|its) (?:full |exact |original |initial |hidden |secret |system |internal )*|(?:the )?(?:full |exact |original |initial |hidden |secret |system |internal )+)(?:system prompt|prompt|instructions|rules you (?:follow|were given)|configuration)\b/],
  ['prompt-extraction', new RegExp(`\\b(?:${GIVE_BACK}) (?:me )?(?:\\w+ ){0,4}?(?:your|its|the assistant's|the bot's) (?:\\w+ ){0,2}?(?:${INSTRUCTIONS})\\b`)],
  ['prompt-extraction', /\b(?:repeat|print|output|copy|show|reveal|write out) (?:me )?(?:everything|all|the text|the words|the message|the content|what is|what's|whatever is) (?:written )?(?:above|before)\b|\babove this line\b|\bverbatim\b|\binstructions (?:you were|you've been|you have been|you got) given\b|\bwhat (?:were|are|have) you (?:been )?told\b/],
  ['prompt-extraction', /\bsystem (?:prompt|message)\b|\bdeveloper (?:message|instructions)\b|\bhidden instructions\b|\b(?:dangos|dangoswch|datgelu|datgelwch|ailadrodd\w*|cyfieith\w*) (?:\w+ ){0,2}\w*yfarwyddiad\w*\b|\bcyfarwyddiadau (?:cudd|system)\b|\b(?:dy|eich|yr) anogwr\b|\banogwr system\b/],
  ['role-play', /\b(?:you are now|from now on you|act as (?:an? )?(?:unfiltered|unrestricted|evil|different|new)|pretend (?:to be|you are|that you)|role ?play as|roleplay|do anything now|jailbreak\w*|developer mode|god mode|dan mode|no restrictions|without (?:any )?(?:restrictions|limits|filters|rules)|unfiltered|uncensored|esgus bod|esgus (?:dy|eich) fod|o hyn ymlaen rwyt ti)\b/],
  // "Act as a pirate": the assistant never takes on a part, though a person may act as someone's appointee.
  ['role-play', /\bact as (?:an? )(?!(?:appointee|representative|agent|carer|guarantor|witness|referee|executor|driver|proxy|advocate|deputy|attorney|landlord|tenant|parent|guardian|sponsor|signatory|countersignatory|named|joint|second|responsible|authori[sz]ed|legal|lasting|power|passenger|companion|interpreter|translator|go between|contact|liable|resident|employer|employee|volunteer|trustee|official|member)\b)[a-z']+/],
  // The persona prompts passed around by name: "DAN" (do anything now), "STAN", "DUDE", "AIM", "Mongo Tom".
  ['role-play', /\b(?:you are|you're|youre|be|become|act as|play|pretend to be|stay|ti yw|chi yw|rwyt ti'?n|rydych chi'?n|bydd(?:a|wch)(?: yn)?) (?:now |nawr |rwan )?(?:an? |the )?(?:dan|stan|dude|aim|mongo tom)\b|\b(?:dan|stan|dude|aim) (?:prompt|persona|jailbreak)\b/],
  ['role-play', /\b(?:debug|admin|maintenance|sudo|unrestricted) mode\b|\b(?:you are|you're) (?:now )?(?:an? )?(?:ai|assistant|bot|chatbot|model) (?:called|named)\b|\bnever refuses?\b|\b(?:i am|i'm) (?:the|your) (?:developer|admin|administrator|creator|programmer)\b|\bheb (?:reolau|gyfyngiadau)\b|\bmodd (?:datblygwr|dadfygio)\b/],
  // Answering from anything but the guidance: setting it aside, making answers up, or being told it says what it does not.
  ['override-instructions', /\b(?:ignore|disregard|forget|skip|bypass|set aside) (?:the |your |all |any )?(?:guidance|context|passages)\b|\bmake (?:something|things|it|one|an answer) up\b|\binvent (?:an? )?(?:answer|something)\b|\b(?:answer|respond|reply) without (?:using |checking |reading |looking at )?(?:the |your |any )?(?:guidance|sources?|context)\b|\bpretend (?:that )?(?:the )?(?:guidance|page|source|law)s? (?:says?|said|allows?)\b|\byou (?:must|will|shall) now (?:answer|respond|reply|say|ignore|tell)\b|\bwhether or not (?:the )?guidance\b|\banghofi\w* (?:bopeth|popeth|y cyfan)\b/],
  // Encoded instructions, to slip them past a check.
  ['override-instructions', /\b(?:base ?(?:64|ea)|rot ?(?:13|ie)|hex) ?(?:decode|decoded|encoded|this|the following)?\b[^.?!]{0,40}\b(?:follow|do|obey|run|execute)\b|\bdecode (?:this|the following) and\b/],
  ['prompt-extraction', /\b(?:secret|hidden) (?:rules|instructions|prompt|configuration)\b|\b(?:your|its) (?:internal|initial|original) (?:rules|instructions|prompt|configuration|guidelines)\b|\b(?:start|beginning) of (?:this|the|our) (?:conversation|chat|session)\b|\b(?:text|words|message|instructions|rules|prompt) you (?:were|have been|got) (?:initiali[sz]ed|given|started|set up|configured|loaded) with\b|\bwhat (?:rules|instructions|guidelines) (?:were|have) you (?:been )?given\b|\bbefore i started (?:talking|chatting|writing)\b|\bdy (?:gyfarwyddiadau|cyfarwyddiadau|reolau|rheolau)\b|\beich cyfarwyddiadau\b/],
  ['role-play', /\blet'?s play a game\b|\bstop being (?:an? |the )?(?:assistant|bot|ai|chatbot|model)\b|\b(?:answer|respond|reply|speak|talk|write) as (?:if you were )?(?:an? |my )?(?:lawyer|solicitor|doctor|human|person|character|different assistant|grandmother|grandma)\b|\bact as my (?:late |dead )?(?:grandmother|grandma|granny|grandfather|grandad)\b|\bif you (?:had|were under|were without) no (?:rules|restrictions|limits|limitations|filters|guidelines)\b|\bimagine (?:that )?you (?:are|were) (?:an? )?(?:ai|assistant|bot|model|chatbot)\b|\b(?:admin|administrator|root) password\b|\bthe assistant character\b/],
  ['injection-markup', /<\|?(?:im ?start|im ?end|system|endoftext)\|?>|\[\/?inst\]|\[system\]|^(?:system|assistant) ?:|### ?(?:instruction|system)|'{3} ?(?:system|assistant|developer|instructions?)\b/],
];

const OUT_OF_SCOPE: ReadonlyArray<[OutOfScopeTopic, RegExp]> = [
  ['emergency', /\b(?:kill myself|end my life|suicid\w*|self harm|hurt myself|lladd fy hun|hunanladd\w*)\b/],
  ['medical', /\b(?:diagnos\w*|symptoms?|medication|medicine|dosage|dose of|prescription|side effects?|should i take|is it safe to take|treatment for|cure for|my doctor said|what illness|symptomau|meddyginiaeth\w*|cyngor meddygol|diagnosis)\b/],
  ['legal', /\b(?:legal advice|should i sue|can i sue|sue (?:the|my|them|him|her)|take (?:\w+ ){1,3}to court|lawsuit|will i win|my chances of winning|is it legal for me to|represent me|cyngor cyfreithiol|erlyn)\b/],
  ['financial', /\b(?:should i invest|invest in|investment advice|which shares|stock tips?|crypto\w*|bitcoin|financial advice|pension advice|cyngor ariannol|buddsoddi)\b/],
];

/** Checks a question before it is answered: personal data first, then attempts on the instructions, then what the assistant must not advise on. */
export function checkQuestion(question: string): InputCheck {
  if (question.length > MAX_QUESTION_LENGTH) throw new RangeError(`A question is at most ${MAX_QUESTION_LENGTH} characters; refuse longer ones before checking`);
  const personal = findPersonalData(question);
  if (personal) return { allowed: false, reason: 'personal-data', kind: personal };
  const jailbreak = findJailbreak(question);
  if (jailbreak) return { allowed: false, reason: 'jailbreak', kind: jailbreak };
  const words = wordsOf(question);
  for (const [topic, pattern] of OUT_OF_SCOPE) if (pattern.test(words)) return { allowed: false, reason: 'out-of-scope', topic };
  return { allowed: true };
}

/** A run of base64 long enough to carry a sentence. */
const BASE64_RUN = /[A-Za-z0-9+/]{24,}={0,2}/g;

/** Whether the text carries base64 that decodes to readable text: an instruction slipped past the checks. */
function holdsEncodedText(text: string): boolean {
  for (const [run] of text.matchAll(BASE64_RUN)) {
    const bytes = Buffer.from(run.slice(0, run.length - (run.length % 4)), 'base64');
    let printable = 0;
    for (const byte of bytes) if ((byte >= 0x20 && byte < 0x7f) || byte === 0x0a || byte === 0x09) printable += 1;
    if (bytes.length >= 16 && printable >= bytes.length * 0.95 && bytes.includes(0x20)) return true;
  }
  return false;
}

/** An attempt on the instructions in a text: a question, or a model's answer that has taken one up. */
export function findJailbreak(text: string): JailbreakKind | undefined {
  const words = wordsOf(text);
  const found = JAILBREAKS.find(([, pattern]) => pattern.test(words))?.[0];
  if (found) return found;
  return holdsEncodedText(normaliseQuestion(text)) ? 'override-instructions' : undefined;
}
