import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp, modules as allModules } from '../app.ts';
import type { Config } from '../platform/config/config.schema.ts';
import { loadConfig } from '../platform/config/load-config.ts';
import { kernelMigrations, openKernel, type Kernel } from '../platform/kernel.ts';
import type { CivitasModule } from '../platform/module.ts';
import { createTestDatabase, type TestDatabase, type TestDatabaseTemplate } from '../platform/testing/test-database.ts';

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

/**
 * The migrated database a test's kernel starts from, copied rather than migrated for each test:
 * keyed by the migrations of the kernel and the modules, by their ids and code, so any change
 * to a migration makes a new template.
 */
function migratedTemplate(modules: readonly CivitasModule[]): TestDatabaseTemplate {
  const lists = [kernelMigrations, ...modules.flatMap((module) => module.migrations ?? [])];
  const fingerprint = createHash('sha256');
  for (const list of lists) {
    fingerprint.update(`${list.owner}\u0000`);
    for (const { id, migration } of list.migrations) fingerprint.update(`${id}\u0000${Object.values(migration).map(String).join('\u0000')}\u0000`);
  }
  return {
    key: fingerprint.digest('hex').slice(0, 24),
    async build(url) {
      const kernel = openKernel({ config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url }).config, modules, logger: pino({ level: 'silent' }) });
      try {
        await kernel.migrate();
      } finally {
        await kernel.close();
      }
    },
  };
}

async function openTestKernel(options: TestKernelOptions) {
  const modules = options.modules ?? allModules;
  const testDatabase = await createTestDatabase({ template: migratedTemplate(modules) });
  const config = createTestConfig(testDatabase, options.environment);
  const kernel = openKernel({
    config,
    modules,
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
