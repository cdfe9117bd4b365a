/** SQLite's extended result codes for a UNIQUE or PRIMARY KEY constraint that failed. */
const SQLITE_UNIQUE_CODES = new Set([2067, 1555]);
/** PostgreSQL's SQLSTATE unique_violation. */
const POSTGRES_UNIQUE_VIOLATION = '23505';

/**
 * Whether a write failed because a row with the same unique value exists: on either database,
 * the sign that another request got there first, which a caller can answer in words.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === POSTGRES_UNIQUE_VIOLATION || (typeof errcode === 'number' && SQLITE_UNIQUE_CODES.has(errcode));
}
