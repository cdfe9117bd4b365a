import type { DefinitionProblem } from './definition-reader.ts';
import { CHECK_ANSWERS, NONE_OF_THE_ABOVE, type FormDefinition, type FormPage } from './form-definition.ts';

function answerValuesOf(page: FormPage): Set<string> {
  const values = new Set((page.settings?.options ?? []).map((option) => option.value));
  if (page.settings?.noneOfTheAbove) values.add(NONE_OF_THE_ABOVE);
  return values;
}

/**
 * The routing errors GOV.UK Forms shows a form's builder and that block publishing: a route from
 * a question that cannot route, for an answer the question does not have, to a target that does
 * not exist, backwards, or to the very next page (which is where the person goes anyway).
 */
export function findRoutingProblems(definition: FormDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const pageIndex = new Map<string, number>();
  const exitIds = new Set<string>();
  const claim = (id: string, path: string) => {
    if (id === CHECK_ANSWERS || pageIndex.has(id) || exitIds.has(id)) problems.push({ path, message: `"${id}" is used more than once or is reserved` });
  };
  definition.pages.forEach((page, index) => {
    claim(page.id, `pages[${index}].id`);
    pageIndex.set(page.id, index);
  });
  definition.exitPages.forEach((exit, index) => {
    claim(exit.id, `exitPages[${index}].id`);
    exitIds.add(exit.id);
  });

  definition.pages.forEach((page, index) => {
    const routes = page.routes ?? [];
    if (routes.length === 0) return;
    const path = `pages[${index}].routes`;
    if (page.answerType !== 'selection' || page.settings?.multiple || page.repeatable) {
      problems.push({ path, message: 'only a question answered with one selection, asked once, can route' });
      return;
    }
    const values = answerValuesOf(page);
    const routed = new Set<string>();
    routes.forEach((route, routeIndex) => {
      const at = `${path}[${routeIndex}]`;
      if (!values.has(route.answer)) problems.push({ path: `${at}.answer`, message: `the question has no answer "${route.answer}"` });
      if (routed.has(route.answer)) problems.push({ path: `${at}.answer`, message: `answer "${route.answer}" already has a route` });
      routed.add(route.answer);
      if (route.goTo === CHECK_ANSWERS || exitIds.has(route.goTo)) return;
      const target = pageIndex.get(route.goTo);
      if (target === undefined) problems.push({ path: `${at}.goTo`, message: `the page "${route.goTo}" does not exist` });
      else if (target <= index) problems.push({ path: `${at}.goTo`, message: `the route goes backwards to "${route.goTo}"` });
      else if (target === index + 1) problems.push({ path: `${at}.goTo`, message: `"${route.goTo}" is the next page already` });
    });
  });
  return problems;
}
