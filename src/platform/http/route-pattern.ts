/**
 * A regular expression matching the paths a Fastify route URL (`/v1/payments/:paymentId`)
 * answers: each `:param` one path segment. Used to tell a path no route has from a path asked
 * with a method its routes do not take (404 against 405).
 */
export function patternOfRouteUrl(url: string): RegExp {
  return new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}$`);
}
