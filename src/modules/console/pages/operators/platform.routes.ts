import type { FastifyInstance } from 'fastify';
import { actorOf, INVITATION_SECONDS } from '../../organisations/organisations.ts';
import { ONE_TIME_SECRET_SECONDS } from '../../onboarding/onboarding.ts';
import { readPlatformFigures } from '../../operators/platform-figures.ts';
import { CONSOLE_IDLE_SECONDS, CONSOLE_SESSION_SECONDS } from '../../sessions/console-sessions.ts';
import { doneBanner, doneQuery, OPERATOR_BASE, OPERATOR_VIEWS, type Done, type OperatorPageDependencies } from './operator.routes.ts';

/** The sections of the operators' pages, in the order the start page lists them (Exchange's members page is Exchange's own, the guidance pages Guidance's). */
export const OPERATOR_SECTIONS = ['organisations', 'exchange-members', 'guidance', 'audit', 'jobs', 'signing-keys', 'retention', 'health', 'operators'] as const;

/** The operators' start page, every organisation, One Login's signing keys, retention and platform health. */
export function registerPlatformPages(pages: FastifyInstance, dependencies: OperatorPageDependencies): void {
  const { organisations, signingKeys, jobs, chrome, sessionOf, clock } = dependencies;
  const backToStart = { backLink: OPERATOR_BASE };

  pages.get(OPERATOR_BASE, async (request, reply) =>
    reply.render(`${OPERATOR_VIEWS}/start.njk`, chrome(request, request.t('console.operator.start.title'), {
      sections: OPERATOR_SECTIONS.map((section) => ({ href: `${OPERATOR_BASE}/${section}`, title: request.t(`console.operator.${section}.title`), body: request.t(`console.operator.${section}.summary`) })),
    })),
  );

  pages.get(`${OPERATOR_BASE}/organisations`, async (request, reply) => {
    const all = await organisations.listOrganisations();
    const withServices = await Promise.all(all.map(async (organisation) => ({ organisation, services: await organisations.listServices(organisation.id) })));
    return reply.render(`${OPERATOR_VIEWS}/organisations.njk`, chrome(request, request.t('console.operator.organisations.title'), {
      ...backToStart,
      organisations: withServices.map(({ organisation, services }) => ({
        id: organisation.id,
        name: organisation.name,
        type: request.t(`console.types.${organisation.type}`),
        services: services.map((service) => ({ id: service.id, name: service.name })),
      })),
    }));
  });

  pages.get<{ Querystring: Done }>(`${OPERATOR_BASE}/signing-keys`, { schema: { querystring: doneQuery } }, async (request, reply) => {
    const keys = await signingKeys.list();
    return reply.render(`${OPERATOR_VIEWS}/signing-keys.njk`, chrome(request, request.t('console.operator.signing-keys.title'), {
      ...backToStart,
      done: doneBanner(request, request.query.done, ['rotated']),
      keys: keys.map((key) => ({ ...key, state: request.t(`console.operator.signing-keys.states.${key.state}`) })),
    }));
  });
  pages.post(`${OPERATOR_BASE}/signing-keys/rotate`, { config: { consoleRecentSignIn: true, consoleReturnTo: `${OPERATOR_BASE}/signing-keys` } }, async (request, reply) => {
    const rotation = await signingKeys.rotate();
    await request.server.audit.record({
      actor: actorOf(sessionOf(request)).audit,
      action: 'identity.signing-keys.rotated',
      subject: 'identity:signing-keys',
      outcome: 'success',
      details: { current: rotation.current.join(','), by: 'console' },
    });
    return reply.redirect(`${OPERATOR_BASE}/signing-keys?done=rotated`, 303);
  });

  const hours = (seconds: number) => seconds / 3600;
  pages.get(`${OPERATOR_BASE}/retention`, async (request, reply) =>
    reply.render(`${OPERATOR_VIEWS}/retention.njk`, chrome(request, request.t('console.operator.retention.title'), {
      ...backToStart,
      rules: [
        { key: request.t('console.operator.retention.notify'), value: request.t('console.operator.retention.notifyRule') },
        { key: request.t('console.operator.retention.identity'), value: request.t('console.operator.retention.identityRule') },
        {
          key: request.t('console.operator.retention.console'),
          value: request.t('console.operator.retention.consoleRule', {
            sessionHours: hours(CONSOLE_SESSION_SECONDS),
            idleMinutes: CONSOLE_IDLE_SECONDS / 60,
            invitationHours: hours(INVITATION_SECONDS),
            secretMinutes: ONE_TIME_SECRET_SECONDS / 60,
          }),
        },
        { key: request.t('console.operator.retention.jobs'), value: request.t('console.operator.retention.jobsRule') },
        { key: request.t('console.operator.retention.audit'), value: request.t('console.operator.retention.auditRule') },
      ],
    })),
  );

  pages.get(`${OPERATOR_BASE}/health`, async (request, reply) => {
    const { server } = request;
    const figures = await readPlatformFigures({ metrics: server.metrics, jobs, checkReadiness: () => server.checkReadiness(), now: clock() });
    return reply.render(`${OPERATOR_VIEWS}/health.njk`, chrome(request, request.t('console.operator.health.title'), { ...backToStart, figures }));
  });
}
