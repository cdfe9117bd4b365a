import { CHECK_ANSWERS, type FormPage } from '../definition/form-definition.ts';
import type { Condition } from './read-relevant.ts';
import type { XlsformProblem } from './xlsform-problems.ts';

/** A condition and the survey row (a question's, or its group's or repeat's) that put it there. */
export type RowCondition = { condition: Condition; row: number };

/** A question of the survey on its way to being a page. */
export type SurveyPage = { name: string; row: number; page: FormPage; conditions: RowCondition[] };

const keyOf = (condition: Condition) => `${condition.question}=${condition.answers.join('|')}`;
const describe = (condition: Condition) => `\${${condition.question}} is ${condition.answers.map((answer) => `'${answer}'`).join(' or ')}`;

/**
 * A page is asked only when its conditions hold, and those of every question they name: an
 * answer never given equals nothing, so `${b} = 'x'` is false whenever b itself was not asked.
 */
function addConditionsOfNamedQuestions(pages: readonly SurveyPage[], indexOf: ReadonlyMap<string, number>): void {
  for (const page of pages) {
    const keys = new Set(page.conditions.map((item) => keyOf(item.condition)));
    for (let position = 0; position < page.conditions.length; position += 1) {
      const named = pages[indexOf.get(page.conditions[position]?.condition.question ?? '') ?? -1];
      for (const inherited of named && named !== page ? named.conditions : []) {
        if (keys.has(keyOf(inherited.condition))) continue;
        keys.add(keyOf(inherited.condition));
        page.conditions.push(inherited);
      }
    }
  }
}

/** Why the question a condition names cannot decide routing, if it cannot. */
function findQuestionProblem(condition: Condition, asker: number, pages: readonly SurveyPage[], indexOf: ReadonlyMap<string, number>): string | undefined {
  const index = indexOf.get(condition.question);
  const named = index === undefined ? undefined : pages[index];
  if (index === undefined || !named) return `relevant names \${${condition.question}}, which is not a question of the survey`;
  if (index >= asker) return `relevant names \${${condition.question}}, which is not asked before this row`;
  const { page } = named;
  if (page.answerType !== 'selection' || page.settings?.multiple) return `relevant names \${${condition.question}}: only a select_one question can decide which questions are asked`;
  if (page.repeatable) return `relevant names \${${condition.question}}, which is in a repeat: a question asked several times cannot decide which questions are asked`;
  if (page.optional) return `relevant names \${${condition.question}}, which is not required: make it required (an unanswered question cannot route)`;
  const values = new Set(page.settings?.options?.map((option) => option.value));
  const missing = condition.answers.filter((answer) => !values.has(answer));
  if (missing.length > 0) return `relevant names '${missing.join("', '")}', which is not a choice of \${${condition.question}}`;
  return undefined;
}

/**
 * Turns `relevant` conditions into Civitas routing. The questions asked only when the answer to
 * select_one q is one of S must be one run of pages straight after q; then every other answer of
 * q goes past the run (to the page after it, or to check your answers). Anything else is a
 * problem on the row that set the condition.
 */
export function routeRelevantConditions(pages: readonly SurveyPage[], problems: XlsformProblem[]): void {
  const indexOf = new Map(pages.map((page, index) => [page.name, index]));
  const before = problems.length;
  pages.forEach((page, index) => {
    for (const { condition, row } of page.conditions) {
      const problem = findQuestionProblem(condition, index, pages, indexOf);
      if (problem) problems.push({ sheet: 'survey', row, message: problem });
    }
  });
  if (problems.length > before) return;
  addConditionsOfNamedQuestions(pages, indexOf);

  const runs = new Map<string, { condition: Condition; rows: Set<number>; indexes: number[] }>();
  pages.forEach((page, index) => {
    for (const { condition, row } of page.conditions) {
      const run = runs.get(keyOf(condition)) ?? { condition, rows: new Set<number>(), indexes: [] };
      run.rows.add(row);
      run.indexes.push(index);
      runs.set(keyOf(condition), run);
    }
  });
  const routedBy = new Map<string, Condition>();
  for (const { condition, rows, indexes } of runs.values()) {
    const row = Math.min(...rows);
    const first = indexes[0] ?? 0;
    const last = indexes[indexes.length - 1] ?? 0;
    const askerIndex = indexOf.get(condition.question) ?? 0;
    const asker = pages[askerIndex];
    if (!asker) continue;
    if (last - first + 1 !== indexes.length) {
      problems.push({ sheet: 'survey', row, message: `the questions asked only when ${describe(condition)} are not one after another: another question comes between them` });
    } else if (first !== askerIndex + 1) {
      problems.push({ sheet: 'survey', row, message: `the questions asked only when ${describe(condition)} must come straight after \${${condition.question}} (row ${asker.row}): Civitas routes from that answer past them` });
    } else if (routedBy.has(condition.question)) {
      problems.push({ sheet: 'survey', row, message: `\${${condition.question}} already decides whether other questions are asked (when ${describe(routedBy.get(condition.question) as Condition)}): one question can send people past one run of questions` });
    } else {
      routedBy.set(condition.question, condition);
      const goTo = pages[last + 1]?.page.id ?? CHECK_ANSWERS;
      const skipping = (asker.page.settings?.options ?? []).filter((option) => !condition.answers.includes(option.value));
      if (skipping.length > 0) asker.page.routes = skipping.map((option) => ({ answer: option.value, goTo }));
    }
  }
}
