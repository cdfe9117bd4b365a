import type { FastifyReply } from 'fastify';

/**
 * An error of the exchange itself, as X-Road answers it (PR-REST 4.6): 400 when the client broke
 * the protocol (`Client.*`), 500 when the gateway or the provider failed (`Server.*`), a body
 * `{type, message, detail}` and the header `X-Road-Error: {type}`. The detail is the X-Road-Id
 * Civitas made for the call, also in the X-Road-Id header as on every answer, so the caller and
 * the operator can find the record in the message log.
 */
export type XRoadErrorType =
  | 'Client.BadRequest'
  | 'Client.InvalidClientIdentifier'
  | 'Client.MissingSignature'
  | 'Client.MalformedSignature'
  | 'Client.InvalidSignatureValue'
  | 'Client.InvalidRequest'
  | 'Client.UnknownMember'
  /** Civitas's own, not X-Road's: an address past its limit of refused unauthenticated calls, answered 429 with Retry-After. */
  | 'Client.TooManyRequests'
  | 'Server.ServerProxy.UnknownService'
  | 'Server.ServerProxy.AccessDenied'
  | 'Server.ServerProxy.NetworkError'
  | 'Server.ServerProxy.ServiceFailed'
  | 'Server.ClientProxy.InternalError';

export class XRoadError extends Error {
  readonly type: XRoadErrorType;

  constructor(type: XRoadErrorType, message: string) {
    super(message);
    this.name = 'XRoadError';
    this.type = type;
  }

  get statusCode(): 400 | 429 | 500 {
    if (this.type === 'Client.TooManyRequests') return 429;
    return this.type.startsWith('Client.') ? 400 : 500;
  }
}

export function sendXRoadError(reply: FastifyReply, error: XRoadError, xRoadId: string): FastifyReply {
  return reply
    .code(error.statusCode)
    .header('x-road-error', error.type)
    .header('x-road-id', xRoadId)
    .header('content-type', 'application/json;charset=utf-8')
    .send(JSON.stringify({ type: error.type, message: error.message, detail: xRoadId }));
}
