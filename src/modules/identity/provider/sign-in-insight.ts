import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ServiceEventRecorder, ServiceEventType } from '../../../platform/events/service-events.ts';

/**
 * Tells Insight of each sign-in a service starts and of each that completes, per client:
 * started when an authorization request is accepted, whether the person must sign in (an
 * interaction starts) or is signed in already; completed when the code is issued. A request
 * resumed after the sign-in pages is the same sign-in, so it starts nothing. The journey is a
 * random id: the client's id is all Insight learns, never the person, their session or a code.
 */
export type SignInRecorder = { serviceEvents: ServiceEventRecorder; onRefused(error: unknown): void };

export function recordSignInsForInsight(provider: Provider, dependencies: SignInRecorder): void {
  const tell = (ctx: KoaContextWithOIDC, type: ServiceEventType): void => {
    const clientId = ctx.oidc.client?.clientId;
    if (!clientId) return;
    try {
      dependencies.serviceEvents.record({ service: `identity-client:${clientId}`, type, journeyId: randomUUID() });
    } catch (error) {
      dependencies.onRefused(error);
    }
  };
  const start = (ctx: KoaContextWithOIDC): void => {
    if (ctx.oidc.route !== 'resume') tell(ctx, 'identity.sign-in.started');
  };
  provider.on('interaction.started', start);
  provider.on('authorization.accepted', start);
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => tell(ctx, 'identity.sign-in.completed'));
}
