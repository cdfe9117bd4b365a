import type { FastifyInstance } from 'fastify';
import { createHttpApp } from './platform/http/create-http-app.ts';
import type { Kernel } from './platform/kernel.ts';
import type { CivitasModule } from './platform/module.ts';
import { consoleModule } from './modules/console/console.module.ts';
import { demoServiceModule } from './modules/demo-service/demo-service.module.ts';
import { exchangeModule } from './modules/exchange/exchange.module.ts';
import { formsModule } from './modules/forms/forms.module.ts';
import { guidanceModule } from './modules/guidance/guidance.module.ts';
import { identityModule } from './modules/identity/identity.module.ts';
import { insightModule } from './modules/insight/insight.module.ts';
import { marketplaceModule } from './modules/marketplace/marketplace.module.ts';
import { payModule } from './modules/pay/pay.module.ts';
import { createSiteModule } from './modules/site/site.module.ts';
import { notifyModule } from './modules/notify/notify.module.ts';

/** The modules that provide a component of the platform, in the order they are mounted. */
const componentModules: readonly CivitasModule[] = [identityModule, demoServiceModule, notifyModule, payModule, consoleModule, exchangeModule, marketplaceModule, formsModule, guidanceModule, insightModule];

/** Every module of this Civitas: the site pages first, then each component. */
export const modules: readonly CivitasModule[] = [
  createSiteModule(componentModules.flatMap((module) => module.homeLink ?? [])),
  ...componentModules,
];

/** Builds the web application on an open kernel; `main.ts` listens, tests use `app.inject()`. */
export async function buildApp(kernel: Kernel): Promise<FastifyInstance> {
  const app = await createHttpApp(kernel);
  for (const module of kernel.modules) {
    if (module.plugin) await app.register(module.plugin);
  }
  await app.ready();
  return app;
}
