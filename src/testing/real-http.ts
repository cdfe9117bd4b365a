import { request as httpRequest } from 'node:http';
import type { TestKernelOptions } from './test-kernel.ts';
import { createTestApp } from './test-kernel.ts';

type CleanupScope = Parameters<typeof createTestApp>[0];
export type RealAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** The app listening on a free port of 127.0.0.1, for what app.inject cannot send (a head past Node's limits). */
export async function listenTestApp(t: CleanupScope, options: TestKernelOptions = {}): Promise<{ port: number }> {
  const { app } = await createTestApp(t, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as { port: number }).port };
}

/** A GET over a real connection of its own. */
export function getOverHttp(port: number, path: string, headers: Record<string, string> = {}): Promise<RealAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
