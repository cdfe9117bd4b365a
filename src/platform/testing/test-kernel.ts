import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp, modules as allModules } from '../../app.ts';
import type { Config } from '../config/config.schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { openKernel, type Kernel } from '../kernel.ts';
import type { CivitasModule } from '../module.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export type TestEnvironment = Record<string, string | undefined>;

/** Configuration for a test: the test database, quiet logs, and any settings the test gives. */
export function createTestConfig(database: TestDatabase, environment: TestEnvironment = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    ...environment,
  }).config;
}

export type TestKernelOptions = {
  environment?: TestEnvironment;
  modules?: readonly CivitasModule[];
  logger?: Logger;
};

/**
 * A migrated kernel on a database of its own, closed and dropped when the test ends.
 * `modules` defaults to every module of the app.
 */
export async function createTestKernel(
  t: TestContext,
  options: TestKernelOptions = {},
): Promise<Kernel & { testDatabase: TestDatabase }> {
  const testDatabase = await createTestDatabase();
  const config = createTestConfig(testDatabase, options.environment);
  const kernel = openKernel({
    config,
    modules: options.modules ?? allModules,
    logger: options.logger ?? pino({ level: 'silent' }),
  });
  t.after(async () => {
    await kernel.close();
    await testDatabase.drop();
  });
  await kernel.migrate();
  return Object.assign(kernel, { testDatabase });
}

/** The whole app on a kernel of its own, for `app.inject()`; closed when the test ends. */
export async function createTestApp(
  t: TestContext,
  options: TestKernelOptions = {},
): Promise<{ app: FastifyInstance; kernel: Kernel }> {
  const kernel = await createTestKernel(t, options);
  const app = await buildApp(kernel);
  t.after(() => app.close());
  return { app, kernel };
}
