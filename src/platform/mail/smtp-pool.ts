import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';

type Envelope = { from: string; to: string[] };
type Waiting = { envelope: Envelope; message: string | Buffer; resolve(): void; reject(error: unknown): void; timer?: NodeJS.Timeout };

/**
 * By default a message waits at most 60 s for a session, and its sending (envelope, content and
 * the server's answer) takes at most 120 s; with connecting (30 s) and the greeting (30 s), a
 * stalled server holds a worker's slot for at most 4 minutes. The job's lease is renewed by the
 * worker's heartbeat all the while, so no second worker takes the job meanwhile.
 */
const MAX_WAIT_MS = 60_000;
const MAX_SEND_MS = 120_000;

/** A refusal of one message (its sender, a recipient or its content): the session itself is fine. */
function isMessageRefusal(error: { code?: unknown; responseCode?: unknown }): boolean {
  return (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421;
}

/**
 * Up to `maxConnections` SMTP sessions kept open (nodemailer's SMTPConnection: PIPELINING,
 * STARTTLS, AUTH, SMTPUTF8), each sending one ready-made message after another. A lean stand-in
 * for nodemailer's transporter pool, whose per-message composing and streaming cost more than the
 * sending itself. An error fails only the message it happened to: the caller decides on retries.
 */
export function createSmtpPool(options: {
  connection: SMTPConnectionOptions;
  auth?: { user: string; pass: string };
  maxConnections: number;
  /** A message no session took within this fails, never sent (so safe to try again). */
  maxWaitMs?: number;
  /** A message not sent within this after its session took it fails, and the session is closed. */
  maxSendMs?: number;
}) {
  const maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  const maxSendMs = options.maxSendMs ?? MAX_SEND_MS;
  const waiting: Waiting[] = [];
  const idle: SMTPConnection[] = [];
  const live = new Set<SMTPConnection>();
  let closed = false;

  function forget(connection: SMTPConnection): void {
    if (!live.delete(connection)) return;
    const index = idle.indexOf(connection);
    if (index >= 0) idle.splice(index, 1);
    dispatch();
  }

  function discard(connection: SMTPConnection): void {
    connection.close();
    forget(connection);
  }

  function release(connection: SMTPConnection): void {
    if (!live.has(connection)) return;
    if (closed) return discard(connection);
    const next = waiting.shift();
    if (next) send(connection, next);
    else idle.push(connection);
  }

  function send(connection: SMTPConnection, message: Waiting): void {
    clearTimeout(message.timer);
    const deadline = setTimeout(() => {
      message.reject(Object.assign(new Error(`the SMTP server did not take the message within ${maxSendMs} ms`), { code: 'ETIMEDOUT' }));
      discard(connection);
    }, maxSendMs);
    connection.send(message.envelope, message.message, (error) => {
      clearTimeout(deadline);
      if (!error) {
        message.resolve();
        // The session finishes its own bookkeeping for this message after the callback: the next
        // one starts on a later turn, or its replies could be taken for this one's.
        setImmediate(() => release(connection));
        return;
      }
      message.reject(error);
      if (isMessageRefusal(error) && live.has(connection)) {
        connection.reset((resetError) => (resetError ? discard(connection) : setImmediate(() => release(connection))));
      } else {
        discard(connection);
      }
    });
  }

  /** Opens a session for `first`, the message that found none free; a failure to open fails it. */
  function open(first: Waiting): void {
    clearTimeout(first.timer);
    const connection = new SMTPConnection(options.connection);
    live.add(connection);
    let opening = true;
    const opened = (error?: unknown) => {
      if (!opening) return;
      opening = false;
      if (!error) return send(connection, first);
      first.reject(error);
      discard(connection);
    };
    // An error while opening comes as an event, not through connect's callback. Later errors
    // also reach the callback of the message under way; a session that ended (the server's idle
    // timeout, say) leaves the pool.
    connection.on('error', (error: unknown) => {
      opened(error);
      forget(connection);
    });
    connection.on('end', () => {
      opened(new Error('the SMTP server closed the connection'));
      forget(connection);
    });
    connection.connect((error) => {
      if (error || !options.auth) return opened(error);
      connection.login(options.auth, (loginError) => opened(loginError ?? undefined));
    });
  }

  function dispatch(): void {
    while (waiting.length > 0 && !closed) {
      const connection = idle.pop();
      if (connection) send(connection, waiting.shift() as Waiting);
      else if (live.size < options.maxConnections) open(waiting.shift() as Waiting);
      else return;
    }
  }

  return {
    send(envelope: Envelope, message: string | Buffer): Promise<void> {
      if (closed) return Promise.reject(new Error('the SMTP pool is closed'));
      return new Promise((resolve, reject) => {
        const entry: Waiting = { envelope, message, resolve, reject };
        entry.timer = setTimeout(() => {
          const index = waiting.indexOf(entry);
          if (index < 0) return;
          waiting.splice(index, 1);
          reject(Object.assign(new Error(`no SMTP session was free within ${maxWaitMs} ms`), { code: 'EWAIT' }));
        }, maxWaitMs);
        waiting.push(entry);
        dispatch();
      });
    },

    /** Ends the idle sessions now and the others once their message is sent. */
    close(): void {
      closed = true;
      for (const connection of [...idle]) {
        connection.quit();
        forget(connection);
      }
      for (const message of waiting.splice(0)) {
        clearTimeout(message.timer);
        message.reject(new Error('the SMTP pool is closed'));
      }
    },
  };
}

export type SmtpPool = ReturnType<typeof createSmtpPool>;
