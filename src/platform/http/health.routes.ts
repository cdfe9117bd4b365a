import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Kernel } from '../kernel.ts';

/** How long /readyz waits for the database before answering that it is not ready. */
export const READINESS_DATABASE_TIMEOUT_MS = 2000;

const statusSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, reason: { type: 'string' } },
  required: ['status'],
} as const;

export type Readiness = { ready: true } | { ready: false; reason: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** What /readyz answers, for pages that show it (the console's operators' health page). */
    checkReadiness(): Promise<Readiness>;
  }
}

/** Ready when the database answers within READINESS_DATABASE_TIMEOUT_MS and no migration is pending. */
export async function checkReadiness(kernel: Pick<Kernel, 'db' | 'pendingMigrations' | 'logger'>): Promise<Readiness> {
  // A load balancer gives up on a slow check; a database that hangs should say so first.
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), READINESS_DATABASE_TIMEOUT_MS);
  });
  try {
    const check = async () => {
      await sql`select 1`.execute(kernel.db);
      return kernel.pendingMigrations();
    };
    const pending = await Promise.race([check(), slow]);
    if (pending === 'slow') return { ready: false, reason: `database did not answer within ${READINESS_DATABASE_TIMEOUT_MS / 1000} seconds` };
    if (pending.length > 0) return { ready: false, reason: 'migrations pending' };
    return { ready: true };
  } catch (error) {
    kernel.logger.warn({ err: error }, 'readiness check failed');
    return { ready: false, reason: 'database unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(app: FastifyInstance, kernel: Kernel): void {
  app.decorate('checkReadiness', () => checkReadiness(kernel));

  app.get(
    '/healthz',
    { schema: { response: { 200: statusSchema } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { response: { 200: statusSchema, 503: statusSchema } } },
    async (_request, reply) => {
      const readiness = await checkReadiness(kernel);
      if (!readiness.ready) return reply.code(503).send({ status: 'unavailable', reason: readiness.reason });
      return { status: 'ok' };
    },
  );
}
