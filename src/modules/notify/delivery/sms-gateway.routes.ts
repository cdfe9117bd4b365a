import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { enqueueDeliveryCallback, enqueueInboundCallback } from '../callbacks/callback.job.ts';
import type { NotifyCore } from '../notify.core.ts';
import { checkPhoneNumber } from '../templates/recipients.ts';

const receiptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'status'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 255 },
    status: { type: 'string', enum: ['delivered', 'permanent-failure', 'temporary-failure', 'technical-failure'] },
  },
} as const;

const inboundSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'body'],
  properties: {
    id: { type: 'string', maxLength: 255 },
    from: { type: 'string', minLength: 3, maxLength: 30 },
    to: { type: 'string', minLength: 3, maxLength: 30 },
    body: { type: 'string', maxLength: 5000 },
  },
} as const;

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!expected || !given?.toLowerCase().startsWith('bearer ')) return false;
  const a = Buffer.from(given.slice(7));
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * What the SMS gateway calls back with, authenticated by NOTIFY_SMS_GATEWAY_TOKEN:
 * delivery receipts (`{"id": <gateway id or notification id>, "status"}`) and inbound text
 * messages (`{"from", "to", "body"}`, `to` being a service's inbound number).
 */
export function registerSmsGatewayRoutes(app: FastifyInstance, core: NotifyCore): void {
  async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (!tokenMatches(request.headers.authorization, core.config.NOTIFY_SMS_GATEWAY_TOKEN)) {
      return reply.code(401).send({ statusCode: 401, error: 'UNAUTHORISED', message: 'The SMS gateway token is missing or wrong' });
    }
  }

  app.post<{ Body: { id: string; status: 'delivered' | 'permanent-failure' | 'temporary-failure' | 'technical-failure' } }>(
    '/notify/sms-gateway/receipts',
    { config: { csrf: false }, schema: { body: receiptSchema }, onRequest: authenticate },
    async (request, reply) => {
      const { id, status } = request.body;
      const notification = await core.stores.notifications.findByProviderReference(core.db, id);
      if (!notification || notification.type !== 'sms') return reply.code(404).send({ statusCode: 404, error: 'NOT_FOUND', message: 'No such message' });
      const now = core.clock().toISOString();
      const moved = await core.db.transaction().execute(async (transaction) => {
        const transitioned = await core.stores.notifications.transition(transaction, {
          id: notification.id, from: ['sending', 'pending'], to: status, now, completedAt: now,
        });
        if (transitioned) await enqueueDeliveryCallback(core, transaction, { notificationId: notification.id, serviceId: notification.service_id, status });
        return transitioned;
      });
      if (moved) core.countDelivery(notification, status);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { from: string; to: string; body: string } }>(
    '/notify/sms-gateway/inbound',
    { config: { csrf: false }, schema: { body: inboundSchema }, onRequest: authenticate },
    async (request, reply) => {
      const to = checkPhoneNumber(request.body.to);
      const inboundNumber = to.ok ? to.value.normalised : request.body.to.replace(/\D/g, '');
      const service = await core.stores.services.findServiceByInboundNumber(core.db, inboundNumber);
      if (!service) return reply.code(404).send({ statusCode: 404, error: 'NOT_FOUND', message: 'No service has that number' });
      const from = checkPhoneNumber(request.body.from);
      const id = randomUUID();
      await core.db.transaction().execute(async (transaction) => {
        await core.stores.notifications.insertReceivedText(transaction, {
          id,
          service_id: service.id,
          user_number: from.ok ? from.value.normalised : request.body.from,
          notify_number: inboundNumber,
          content: request.body.body,
          created_at: core.clock().toISOString(),
        });
        await enqueueInboundCallback(core, transaction, { receivedTextId: id, serviceId: service.id });
      });
      return reply.code(201).send({ id });
    },
  );
}
