import { randomUUID } from 'node:crypto';
import type { SmtpPool } from './smtp-pool.ts';
import type { DevelopmentOutbox } from './development-outbox.ts';

export type OutgoingEmail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * A stable id for the message (such as the notification id), sent as Message-ID so that a
   * message sent again after a crash can be recognised as the same one.
   */
  messageId?: string;
  replyTo?: string;
  /** Shown as the sender's name (such as a service's name); the address is always MAIL_FROM's. */
  senderName?: string;
  headers?: Record<string, string>;
};

/** Sessions kept open to the SMTP server: enough to keep a busy worker's messages moving, within a relay's usual limit per client. */
const SMTP_CONNECTIONS = 10;

export type MailTransport = {
  kind: 'smtp' | 'development-outbox';
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): Promise<void>;
};

/**
 * Sends over SMTP to the server at `smtpUrl`, over a few sessions kept open, commands pipelined
 * where the server allows.
 */
export function createSmtpTransport(options: { smtpUrl: string; from: string }): MailTransport {
  const url = new URL(options.smtpUrl);
  // nodemailer is loaded with the first email, so a process that sends none never carries it.
  let sending: Promise<(email: OutgoingEmail, messageId: string) => Promise<void>> | undefined;
  let pool: SmtpPool | undefined;
  const connect = async () => {
    const [{ createSmtpPool }, { composeMimeMessage, parseSender, senderNamed }, { default: MailComposer }] = await Promise.all([
      import('./smtp-pool.ts'),
      import('./mime-message.ts'),
      import('nodemailer/lib/mail-composer'),
    ]);
    const smtp = createSmtpPool({
      maxConnections: SMTP_CONNECTIONS,
      connection: {
        host: url.hostname,
        port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
        secure: url.protocol === 'smtps:',
        // `?tls=none` for a local relay that offers no TLS (a test server, or a sidecar on localhost).
        ignoreTLS: url.searchParams.get('tls') === 'none',
        // Every step bounded (nodemailer's own socket timeout is 10 minutes), so a stalled server
        // fails the message and frees the worker's slot; the job's lease is renewed meanwhile.
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 60_000,
      },
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    });
    pool = smtp;
    const defaultSender = parseSender(options.from);
    return async (email: OutgoingEmail, messageId: string) => {
      const sender = email.senderName ? senderNamed(email.senderName, defaultSender.address) : defaultSender;
      const raw = composeMimeMessage(email, { sender, messageId, date: new Date() });
      if (raw !== undefined) return smtp.send({ from: sender.address, to: [email.to] }, raw);
      // Addresses or headers that need encoding: nodemailer's composer does it all.
      const message = new MailComposer({
        from: email.senderName ? { name: email.senderName, address: sender.address } : options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        replyTo: email.replyTo,
        headers: email.headers,
        messageId,
      }).compile();
      const envelope = message.getEnvelope();
      return smtp.send({ from: envelope.from || sender.address, to: envelope.to }, await message.build());
    };
  };
  return {
    kind: 'smtp',
    async send(email) {
      sending ??= connect();
      const messageId = `<${email.messageId ?? randomUUID()}@civitas>`;
      await (await sending)(email, messageId);
      return { messageId };
    },
    async close() {
      pool?.close();
    },
  };
}

/** Keeps each email in the development outbox, readable at /development/outbox. */
export function createDevelopmentOutboxTransport(outbox: DevelopmentOutbox): MailTransport {
  return {
    kind: 'development-outbox',
    async send(email) {
      const kept = await outbox.keep({
        channel: 'email',
        recipient: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
      return { messageId: email.messageId ?? kept.id };
    },
    async close() {},
  };
}
