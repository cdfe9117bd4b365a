/** The stable code of DatabaseUnavailableError. */
export const DATABASE_UNAVAILABLE = 'database_unavailable';

/**
 * Why the database is unavailable: `unreachable` when it could not be reached or cut the
 * connection; `full` when it refused a write for want of space (SQLITE_FULL: the disk, or the
 * file's page limit), while reads still work.
 */
export type DatabaseUnavailableReason = 'unreachable' | 'full';

/** How long a client should wait before trying again, by reason: space comes back more slowly than a connection. */
const RETRY_AFTER_SECONDS: Record<DatabaseUnavailableReason, number> = { unreachable: 5, full: 30 };

/**
 * The database could not be reached, or cut the connection (a restart, a failover, an operator's
 * pg_terminate_backend), or has no room for a write (a full disk): a passing condition, worth
 * trying again shortly, unlike an error in the statement itself. The HTTP layer answers it with
 * 503 and Retry-After; workers back off.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = DATABASE_UNAVAILABLE;
  readonly statusCode = 503;
  readonly reason: DatabaseUnavailableReason;
  /** How long a client should wait before trying again. */
  readonly retryAfterSeconds: number;

  constructor(options: { cause: unknown; reason?: DatabaseUnavailableReason }) {
    super('The database is unavailable', { cause: options.cause });
    this.name = 'DatabaseUnavailableError';
    this.reason = options.reason ?? 'unreachable';
    this.retryAfterSeconds = RETRY_AFTER_SECONDS[this.reason];
  }
}

/** Network errors from the socket to PostgreSQL. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server going away or not taking connections: admin_shutdown,
 * crash_shutdown, cannot_connect_now, too_many_connections; class 08 is added below.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What pg says when a connection ended under a query, or a client is used after its end. */
const CONNECTION_LOST_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

/** SQLite's primary result code for a write refused for want of space (the disk, or max_page_count). */
const SQLITE_FULL = 13;

/** node:sqlite's error for SQLITE_FULL (or one of its extended codes, whose low byte is 13). */
export function isDatabaseFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && (errcode & 0xff) === SQLITE_FULL;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (isDatabaseFull(error)) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return CONNECTION_LOST_MESSAGES.some((message) => error.message.startsWith(message));
}

/** The error to throw for `error`: a DatabaseUnavailableError if the connection failed, else itself. */
export function describeDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError || !isDatabaseUnavailable(error)) return error;
  return new DatabaseUnavailableError({ cause: error, reason: isDatabaseFull(error) ? 'full' : 'unreachable' });
}
