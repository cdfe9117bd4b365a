/** Something in an XLSForm that Civitas cannot take (or, as a warning, leaves out): where it is, by sheet and row, and why. */
export type XlsformProblem = { sheet: string; row?: number; message: string };

/** `survey row 7: ...`, `settings: ...`, `workbook: ...`: each problem on a line of its own. */
export function describeXlsformProblem(problem: XlsformProblem): string {
  return `${problem.sheet}${problem.row === undefined ? '' : ` row ${problem.row}`}: ${problem.message}`;
}
