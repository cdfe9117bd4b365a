import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, LogFn, Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger, stamped with its request id. Making a pino child with our redaction rules
 * costs several microseconds, and most requests log nothing at the level set (an API request at
 * `warn`), so the child is made only when a line is actually written at an enabled level.
 */
class DeferredChildLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #logger(): Logger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }

  #write(level: Level, args: Parameters<LogFn>): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return;
    (this.#logger()[level] as (...values: unknown[]) => void)(...args);
  }

  get level(): LevelWithSilentOrString {
    return (this.#child ?? this.#parent).level;
  }

  set level(level: LevelWithSilentOrString) {
    this.#logger().level = level;
  }

  fatal(...args: Parameters<LogFn>): void {
    this.#write('fatal', args);
  }

  error(...args: Parameters<LogFn>): void {
    this.#write('error', args);
  }

  warn(...args: Parameters<LogFn>): void {
    this.#write('warn', args);
  }

  info(...args: Parameters<LogFn>): void {
    this.#write('info', args);
  }

  debug(...args: Parameters<LogFn>): void {
    this.#write('debug', args);
  }

  trace(...args: Parameters<LogFn>): void {
    this.#write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/** For Fastify's `childLoggerFactory`: routes with their own log level or serialisers get a child at once. */
export function createRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as unknown as Logger;
  if (Object.keys(options).length > 0 || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new DeferredChildLogger(parent, bindings) as unknown as FastifyBaseLogger;
}
