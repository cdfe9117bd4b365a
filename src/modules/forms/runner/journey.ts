import { CHECK_ANSWERS, type FormDefinition, type FormPage } from '../definition/form-definition.ts';
import type { Answers } from './answers.ts';

/** Where a person can be in a form: its named states. */
export type JourneyStep =
  | { state: 'question'; pageId: string; item?: number }
  | { state: 'add-another'; pageId: string }
  | { state: 'check-answers' }
  | { state: 'exit'; exitId: string }
  | { state: 'submitted' };

export type Journey = {
  /** The pages on the person's route, in order: routing from their answers so far, then the pages that follow. */
  route: FormPage[];
  /** Where the route ends: check your answers, or an exit page. */
  end: { state: 'check-answers' } | { state: 'exit'; exitId: string };
  /** Where the person is: the first page on the route they have not finished, else the end. */
  current: JourneyStep;
};

function routedTarget(page: FormPage, answers: Answers): string | undefined {
  const answer = answers[page.id];
  if (!answer?.complete || !page.routes) return undefined;
  const value = answer.values[0];
  return page.routes.find((route) => route.answer === value)?.goTo;
}

/**
 * The journey through a form as a state machine: the route follows the answers given (a routed
 * answer skips to its target), and the person is at the first step on it not yet finished.
 */
export function describeJourney(definition: FormDefinition, answers: Answers): Journey {
  const route: FormPage[] = [];
  let end: Journey['end'] = { state: 'check-answers' };
  let index = 0;
  while (index < definition.pages.length) {
    const page = definition.pages[index] as FormPage;
    route.push(page);
    const target = routedTarget(page, answers);
    if (target === undefined) {
      index += 1;
      continue;
    }
    if (target === CHECK_ANSWERS) break;
    const next = definition.pages.findIndex((candidate) => candidate.id === target);
    if (next === -1) {
      end = { state: 'exit', exitId: target };
      break;
    }
    index = next;
  }
  const unfinished = route.find((page) => !answers[page.id]?.complete);
  let current: JourneyStep = end;
  if (unfinished) {
    const given = answers[unfinished.id]?.values.length ?? 0;
    current = given > 0 ? { state: 'add-another', pageId: unfinished.id } : { state: 'question', pageId: unfinished.id };
  }
  return { route, end, current };
}

/** Whether the journey has reached `step`: a page at or before where the person is, or the end once every page on the route is done. */
export function hasReached(journey: Journey, step: JourneyStep, answers: Answers): boolean {
  const position = (pageId: string) => journey.route.findIndex((page) => page.id === pageId);
  const currentPosition = journey.current.state === 'question' || journey.current.state === 'add-another' ? position(journey.current.pageId) : journey.route.length;
  switch (step.state) {
    case 'question': {
      const at = position(step.pageId);
      if (at === -1 || at > currentPosition) return false;
      const given = answers[step.pageId]?.values.length ?? 0;
      return step.item === undefined || step.item <= given;
    }
    case 'add-another': {
      const at = position(step.pageId);
      return at !== -1 && at <= currentPosition && (answers[step.pageId]?.values.length ?? 0) > 0;
    }
    case 'check-answers':
      return journey.current.state === 'check-answers';
    case 'exit':
      return journey.current.state === 'exit' && journey.current.exitId === step.exitId;
    case 'submitted':
      return false;
  }
}

/** The answers still on the route: a changed answer that alters routing drops the answers to pages it now skips. */
export function keepAnswersOnRoute(definition: FormDefinition, answers: Answers): Answers {
  const onRoute = new Set(describeJourney(definition, answers).route.map((page) => page.id));
  return Object.fromEntries(Object.entries(answers).filter(([pageId]) => onRoute.has(pageId)));
}

/** The page before `pageId` on the route, for its back link. */
export function previousPageOf(journey: Journey, pageId: string): FormPage | undefined {
  const at = journey.route.findIndex((page) => page.id === pageId);
  return at > 0 ? journey.route[at - 1] : undefined;
}

/** The page after `pageId` on the route, or the route's end. */
export function stepAfter(journey: Journey, pageId: string): JourneyStep {
  const at = journey.route.findIndex((page) => page.id === pageId);
  const next = journey.route[at + 1];
  return next ? { state: 'question', pageId: next.id } : journey.end;
}
