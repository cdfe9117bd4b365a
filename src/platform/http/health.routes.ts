import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Kernel } from '../kernel.ts';

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, reason: { type: 'string' } },
  required: ['status'],
} as const;

export function registerHealthRoutes(app: FastifyInstance, kernel: Kernel): void {
  app.get(
    '/healthz',
    { schema: { response: { 200: statusSchema } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { response: { 200: statusSchema, 503: statusSchema } } },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(kernel.db);
        const pending = await kernel.pendingMigrations();
        if (pending.length > 0) {
          return reply.code(503).send({ status: 'unavailable', reason: 'migrations pending' });
        }
        return { status: 'ok' };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
      }
    },
  );
}
