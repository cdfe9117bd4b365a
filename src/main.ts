import type { FastifyInstance } from 'fastify';
import { buildApp, modules } from './app.ts';
import type { Config } from './platform/config/config.schema.ts';
import { ConfigError, loadConfig } from './platform/config/load-config.ts';
import type { JobWorker } from './platform/jobs/job-worker.ts';
import { openKernel, type Kernel } from './platform/kernel.ts';
import { MetricsServerError, startConfiguredMetricsServer } from './platform/metrics/metrics-server.ts';
import type { CivitasModule } from './platform/module.ts';

export type RunningCivitas = {
  app: FastifyInstance;
  kernel: Kernel;
  worker?: JobWorker;
  /** Stops taking requests, finishes those in progress and the running jobs, then closes the database. */
  stop(): Promise<void>;
};

/** Opens the database, applies migrations, starts the web server and (unless turned off) the workers. */
export async function startCivitas(
  config: Config,
  options: { modules?: readonly CivitasModule[] } = {},
): Promise<RunningCivitas> {
  const kernel = openKernel({ config, modules: options.modules ?? modules });
  try {
    await kernel.migrate();
    await kernel.scheduleRecurringJobs();
    const app = await buildApp(kernel);
    await app.listen({ port: config.PORT, host: config.HOST });
    const metricsServer = await startConfiguredMetricsServer(kernel).catch(async (error: unknown) => {
      await app.close();
      throw error;
    });
    const worker = config.RUN_WORKERS ? kernel.createWorker() : undefined;
    worker?.start();
    kernel.logger.info({ baseUrl: config.BASE_URL }, 'Civitas is ready');
    return {
      app,
      kernel,
      worker,
      async stop() {
        await Promise.all([app.close(), worker?.stop()]);
        await metricsServer?.close();
        await kernel.close();
      },
    };
  } catch (error) {
    await kernel.close();
    throw error;
  }
}

/** Exits 0 after a clean stop on SIGTERM or SIGINT, or 1 if stopping takes longer than allowed. */
export function stopOnSignals(running: RunningCivitas, config: Config): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    running.kernel.logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      running.kernel.logger.error('stopping took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
    deadline.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.kernel.logger.error({ err: error }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

export function loadConfigOrExit(): Config {
  try {
    const { config, warnings } = loadConfig();
    if (config.NODE_ENV === 'development') {
      for (const warning of warnings) process.stderr.write(`Warning: ${warning}.\n`);
    }
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Civitas cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The one plain line start-up prints beside the JSON log: where Civitas listens, and its public address when that says more. */
export function describeListening(config: Pick<Config, 'BASE_URL'>, address: { address: string; port: number }): string {
  const base = new URL(config.BASE_URL);
  const basePort = base.port || (base.protocol === 'https:' ? '443' : '80');
  if (LOOPBACK.has(address.address) && LOOPBACK.has(base.hostname) && basePort === String(address.port)) {
    return `Civitas is listening at ${config.BASE_URL}`;
  }
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `Civitas is listening on http://${host}:${address.port}; its public address (BASE_URL) is ${config.BASE_URL}`;
}

if (import.meta.main) {
  const config = loadConfigOrExit();
  const running = await startCivitas(config).catch((error: unknown) => {
    if (!(error instanceof MetricsServerError)) throw error;
    process.stderr.write(`Civitas cannot start: ${error.message}\n`);
    process.exit(1);
  });
  stopOnSignals(running, config);
  const address = running.app.server.address();
  if (address !== null && typeof address === 'object') process.stdout.write(`${describeListening(config, address)}\n`);
}
