import type { FastifyPluginAsync } from 'fastify';
import type { CliCommand } from './cli/cli-command.ts';
import type { MigrationList } from './db/migrations.ts';
import type { MessageCatalogue } from './http/i18n.ts';
import type { OversizedRequestAnswer } from './http/oversized-request.ts';
import type { JobHandlers } from './jobs/job-worker.ts';
import type { Kernel } from './kernel.ts';

/**
 * What a module gives the platform. `src/app.ts` lists the modules; the kernel composes them
 * without ever importing one.
 */
export type CivitasModule = {
  name: string;
  /** Mounted as an encapsulated Fastify plugin. */
  plugin?: FastifyPluginAsync;
  migrations?: MigrationList;
  /** Page text in English and Welsh, under keys that start with the module's name. */
  messages?: { en: MessageCatalogue; cy: MessageCatalogue };
  commands?: readonly CliCommand[];
  /** The jobs this module's workers run; built from the kernel so handlers can reach its services. */
  createJobHandlers?(kernel: Kernel): JobHandlers;
  /** Where the home page links to for this module's pages. */
  homeLink?: { component: string; href: string };
  /** How this module's API answers, in its own envelope, a request whose head is too large for any route to see. */
  oversizedRequestAnswers?: readonly OversizedRequestAnswer[];
};
