import type { FastifyInstance } from 'fastify';
import type { DevelopmentOutbox } from '../development-outbox.ts';

const idSchema = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;

/**
 * The development outbox: every email and text message Civitas "sent" on a developer's machine.
 * Registered only when no SMTP server is configured, which production never allows.
 */
export function registerDevelopmentOutboxPages(app: FastifyInstance, outbox: DevelopmentOutbox): void {
  app.get('/development/outbox', async (request, reply) => {
    const messages = await outbox.listRecent(100);
    return reply.render('platform/mail/pages/outbox.njk', {
      pageTitle: request.t('platform.outbox.title'),
      messages,
    });
  });

  app.get<{ Params: { id: string } }>(
    '/development/outbox/:id',
    { schema: { params: idSchema } },
    async (request, reply) => {
      const message = await outbox.find(request.params.id);
      if (!message) return reply.callNotFound();
      return reply.render('platform/mail/pages/message.njk', {
        // A text message keeps its sender where an email keeps its subject: its title is what it is.
        pageTitle: message.channel === 'sms' ? request.t('platform.outbox.textMessage') : (message.subject ?? request.t('platform.outbox.textMessage')),
        backLink: '/development/outbox',
        message,
      });
    },
  );

  // The HTML part as the recipient's mail program would show it, with scripts, forms and
  // outside requests all blocked.
  app.get<{ Params: { id: string } }>(
    '/development/outbox/:id/html',
    { schema: { params: idSchema } },
    async (request, reply) => {
      const message = await outbox.find(request.params.id);
      if (!message?.html) return reply.callNotFound();
      return reply
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
        .type('text/html; charset=utf-8')
        .send(message.html);
    },
  );
}
