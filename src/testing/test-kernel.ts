import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp, modules as allModules } from '../app.ts';
import type { Config } from '../platform/config/config.schema.ts';
import { loadConfig } from '../platform/config/load-config.ts';
import { openKernel, type Kernel } from '../platform/kernel.ts';
import type { CivitasModule } from '../platform/module.ts';
import { createTestDatabase, type TestDatabase } from '../platform/testing/test-database.ts';

export type TestEnvironment = Record<string, string | undefined>;

/**
 * Configuration for a test: the test database, quiet logs, webhooks and callbacks allowed to
 * the receivers tests run on 127.0.0.1, and any settings the test gives.
 */
export function createTestConfig(database: TestDatabase, environment: TestEnvironment = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    OUTBOUND_ALLOW_PRIVATE_NETWORK: 'true',
    ...environment,
  }).config;
}

export type TestKernelOptions = {
  environment?: TestEnvironment;
  modules?: readonly CivitasModule[];
  logger?: Logger;
};

/** Anything that runs clean-up when it ends: a test's `t`. */
type CleanupScope = Pick<TestContext, 'after'>;

async function openTestKernel(options: TestKernelOptions) {
  const testDatabase = await createTestDatabase();
  const config = createTestConfig(testDatabase, options.environment);
  const kernel = openKernel({
    config,
    modules: options.modules ?? allModules,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const closeAndDrop = async () => {
    await kernel.close();
    await testDatabase.drop();
  };
  try {
    await kernel.migrate();
  } catch (error) {
    await closeAndDrop();
    throw error;
  }
  return { kernel: Object.assign(kernel, { testDatabase }), closeAndDrop };
}

/**
 * A migrated kernel on a database of its own, closed and dropped when the test ends.
 * `modules` defaults to every module of the app.
 */
export async function createTestKernel(
  t: CleanupScope,
  options: TestKernelOptions = {},
): Promise<Kernel & { testDatabase: TestDatabase }> {
  const { kernel, closeAndDrop } = await openTestKernel(options);
  t.after(closeAndDrop);
  return kernel;
}

/** The whole app on a kernel of its own, for `app.inject()`; the app closes before the database. */
export async function createTestApp(
  t: CleanupScope,
  options: TestKernelOptions = {},
): Promise<{ app: FastifyInstance; kernel: Kernel & { testDatabase: TestDatabase } }> {
  const { kernel, closeAndDrop } = await openTestKernel(options);
  let app: FastifyInstance;
  try {
    app = await buildApp(kernel);
  } catch (error) {
    await closeAndDrop();
    throw error;
  }
  t.after(async () => {
    await app.close();
    await closeAndDrop();
  });
  return { app, kernel };
}
