import type { Transporter } from 'nodemailer';
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
  headers?: Record<string, string>;
};

export type MailTransport = {
  kind: 'smtp' | 'development-outbox';
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): Promise<void>;
};

/** Sends over SMTP (pooled connections) to the server at `smtpUrl`. */
export function createSmtpTransport(options: { smtpUrl: string; from: string }): MailTransport {
  const url = new URL(options.smtpUrl);
  // nodemailer is loaded with the first email, so a process that sends none never carries it.
  let transporter: Promise<Transporter> | undefined;
  const connect = async () => (await import('nodemailer')).default.createTransport({
    pool: true,
    maxConnections: 5,
    host: url.hostname,
    port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
    secure: url.protocol === 'smtps:',
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    // `?tls=none` for a local relay that offers no TLS (a test server, or a sidecar on localhost).
    ignoreTLS: url.searchParams.get('tls') === 'none',
  });
  return {
    kind: 'smtp',
    async send(email) {
      transporter ??= connect();
      const info = await (await transporter).sendMail({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        replyTo: email.replyTo,
        headers: email.headers,
        messageId: email.messageId ? `<${email.messageId}@civitas>` : undefined,
      });
      return { messageId: info.messageId };
    },
    async close() {
      if (transporter) (await transporter).close();
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
