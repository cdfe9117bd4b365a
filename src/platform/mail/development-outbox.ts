import { randomUUID } from 'node:crypto';
import type { DevelopmentMessageRow, DevelopmentOutboxStore } from './development-outbox.store.ts';

export type DevelopmentMessage = {
  id: string;
  channel: 'email' | 'sms';
  recipient: string;
  subject?: string;
  text: string;
  html?: string;
  createdAt: string;
};

function toMessage(row: DevelopmentMessageRow): DevelopmentMessage {
  return {
    id: row.id,
    channel: row.channel,
    recipient: row.recipient,
    ...(row.subject === null ? {} : { subject: row.subject }),
    text: row.body_text,
    ...(row.body_html === null ? {} : { html: row.body_html }),
    createdAt: row.created_at,
  };
}

/**
 * Where email and text messages go on a developer's machine instead of the outside world, so
 * `npm start` works with no mail server or SMS gateway. Never used in production.
 */
export function createDevelopmentOutbox(dependencies: { store: DevelopmentOutboxStore; clock?: () => Date }) {
  const { store } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  return {
    async keep(message: Omit<DevelopmentMessage, 'id' | 'createdAt'>): Promise<DevelopmentMessage> {
      const row: DevelopmentMessageRow = {
        id: randomUUID(),
        channel: message.channel,
        recipient: message.recipient,
        subject: message.subject ?? null,
        body_text: message.text,
        body_html: message.html ?? null,
        created_at: clock().toISOString(),
      };
      await store.insert(row);
      return toMessage(row);
    },
    async listRecent(limit = 50): Promise<DevelopmentMessage[]> {
      return (await store.listRecent(limit)).map(toMessage);
    },
    async find(id: string): Promise<DevelopmentMessage | undefined> {
      const row = await store.find(id);
      return row && toMessage(row);
    },
  };
}

export type DevelopmentOutbox = ReturnType<typeof createDevelopmentOutbox>;
