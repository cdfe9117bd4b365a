export type InsightErrorCode =
  | 'insight.SERVICE_NOT_FOUND'
  | 'insight.INVALID_SLUG'
  | 'insight.SLUG_TAKEN'
  | 'insight.NOT_PUBLISHED'
  | 'insight.INVALID_MONTH'
  | 'insight.INVALID_FIGURE'
  | 'insight.INVALID_RATING'
  | 'insight.COMMENT_TOO_LONG'
  | 'insight.INVALID_ALERT'
  | 'insight.DUPLICATE_ALERT';

export class InsightError extends Error {
  readonly code: InsightErrorCode;
  constructor(code: InsightErrorCode, message: string) {
    super(message);
    this.name = 'InsightError';
    this.code = code;
  }
}
