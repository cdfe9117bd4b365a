import type { FastifyInstance } from 'fastify';

/**
 * Every route of the app, read from the app itself (Fastify's route tree), so a test that walks
 * them sees a new route without its being listed: each method but HEAD, with its pattern such as
 * `/console/operator/guidance/:slug/:lang/edit`.
 */
export function listRoutes(app: FastifyInstance): Array<{ method: string; pattern: string }> {
  const stack: string[] = [];
  const routes: Array<{ method: string; pattern: string }> = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const [, segment = '', methods] = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4)) ?? [];
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + segment;
    stack.push(path);
    if (!methods) continue;
    for (const method of methods.split(', ')) if (method !== 'HEAD') routes.push({ method, pattern: path });
  }
  return routes;
}
