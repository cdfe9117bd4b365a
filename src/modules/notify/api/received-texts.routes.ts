import type { FastifyInstance } from 'fastify';
import type { NotifyCore } from '../notify.core.ts';
import { serialiseReceivedText } from '../notifications/notification.view.ts';
import { requireCaller } from './api.plugin.ts';
import type { NotifySchema } from './notify-schema.ts';

const PAGE_SIZE = 250;

const query: NotifySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { older_than: { type: 'string', format: 'uuid' } },
};

export function registerReceivedTextRoutes(app: FastifyInstance, core: NotifyCore): void {
  app.get<{ Querystring: { older_than?: string } }>('/received-text-messages', { schema: { querystring: query } }, async (request) => {
    const caller = requireCaller(request);
    const root = `${core.baseUrl}/v2/received-text-messages`;
    const current = request.query.older_than ? `${root}?older_than=${request.query.older_than}` : root;
    let olderThan: { createdAt: string; id: string } | undefined;
    if (request.query.older_than) {
      const older = await core.stores.notifications.findReceivedText(core.db, request.query.older_than);
      if (!older || older.service_id !== caller.service.id) return { received_text_messages: [], links: { current } };
      olderThan = { createdAt: older.created_at, id: older.id };
    }
    const rows = await core.stores.notifications.listReceivedTexts(core.db, { serviceId: caller.service.id, olderThan, limit: PAGE_SIZE });
    const links: Record<string, string> = { current };
    const last = rows.at(-1);
    if (last) links.next = `${root}?older_than=${last.id}`;
    return { received_text_messages: rows.map(serialiseReceivedText), links };
  });
}
