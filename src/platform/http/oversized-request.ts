import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

/**
 * Node refuses a request whose head (request line and headers) is past 16 KiB before Fastify sees
 * it, so no route, hook or error handler can answer. Here the kernel answers it instead, in the
 * envelope of the API whose path it was for: modules register those answers by path prefix.
 */

/** Which part of the head is past the limit: the request line (its URL), or the header fields. */
export type OversizedPart = 'url' | 'headers';

export type OversizedRequestAnswer = {
  /** `/v2` answers for `/v2` and every path under `/v2/`. */
  pathPrefix: string;
  answer(part: OversizedPart): { statusCode: number; body: unknown };
};

/** A request line longer than this is the cause of the overflow (the most Jetty, behind Pay, takes). */
const LONGEST_REQUEST_LINE_BYTES = 8 * 1024;
const REQUEST_LINE_START = /^[A-Z]{1,20} (\/[^\s?#]*)/;

/** What Node gives a `clientError` listener (Fastify's type for it has a JSON form of the packet). */
type ClientError = Error & { code?: string; rawPacket?: Buffer; bytesParsed?: number };
/** Node's own name for the response a connection is still writing (what its default handler checks too). */
type ServerSocket = Socket & { _httpMessage?: { headersSent: boolean; writableFinished: boolean } | null };
type PlainResponse = { statusCode: number; contentType: string; body: string };

/**
 * Where an overflowing request was going, read from the bytes Node was parsing when it gave up.
 * Node hands over only that last chunk: when the head came in pieces, its start is gone and the
 * path is unknown (the plain answer is given then).
 */
export function readOversizedRequest(packet: Buffer | undefined, overflowAt = packet?.length ?? 0): { path: string; part: OversizedPart } | undefined {
  if (!packet) return undefined;
  // Requests sent one after another on a connection share a packet: the one that overflowed
  // starts after the blank line that ends the head before it.
  const previousHeadEnd = packet.subarray(0, overflowAt).lastIndexOf('\r\n\r\n');
  const head = previousHeadEnd === -1 ? packet : packet.subarray(previousHeadEnd + 4);
  const start = REQUEST_LINE_START.exec(head.subarray(0, 1024).toString('latin1'));
  if (!start) return undefined;
  const lineEnd = head.indexOf('\r\n');
  const lineLength = lineEnd === -1 ? head.length : lineEnd;
  return { path: start[1] as string, part: lineLength > LONGEST_REQUEST_LINE_BYTES ? 'url' : 'headers' };
}

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function plainAnswer(statusCode: number): PlainResponse {
  return { statusCode, contentType: 'text/plain; charset=utf-8', body: `${STATUS_CODES[statusCode]}\n` };
}

function answerOverflow(answers: readonly OversizedRequestAnswer[], error: ClientError): PlainResponse {
  const request = readOversizedRequest(error.rawPacket, error.bytesParsed);
  if (!request) return plainAnswer(431);
  const registered = answers.find((candidate) => isUnder(request.path, candidate.pathPrefix));
  if (!registered) return plainAnswer(request.part === 'url' ? 414 : 431);
  const { statusCode, body } = registered.answer(request.part);
  if (!STATUS_CODES[statusCode]) throw new Error(`no such HTTP status: ${statusCode}`);
  return { statusCode, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

function serialise(response: PlainResponse): string {
  return [
    `HTTP/1.1 ${response.statusCode} ${STATUS_CODES[response.statusCode]}`,
    `Content-Type: ${response.contentType}`,
    `Content-Length: ${Buffer.byteLength(response.body)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    response.body,
  ].join('\r\n');
}

/**
 * A request Node could not parse has no response of its own: one in progress on the connection is
 * an earlier request's, which an answer now would be read as (a POST that did create something,
 * seemingly refused), so the connection is closed instead. A request that timed out is that
 * response's own, answered unless its head has gone.
 */
function answerWouldBeMisread(error: ClientError, socket: ServerSocket): boolean {
  const inProgress = socket._httpMessage;
  if (!inProgress) return false;
  return error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? inProgress.headersSent : !inProgress.writableFinished;
}

/** For Fastify's `clientErrorHandler`: every request Node could not parse is answered once, then its connection closed. */
export function createClientErrorHandler(options: { answers: readonly OversizedRequestAnswer[]; logger: Logger }) {
  const { answers, logger } = options;
  return (failure: Error, connection: Socket): void => {
    const error = failure as ClientError;
    const socket = connection as ServerSocket;
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    try {
      const response =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? answerOverflow(answers, error)
          : plainAnswer(error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400);
      logger.debug({ errorCode: error.code, statusCode: response.statusCode }, 'request refused before routing');
      if (socket.writable && !answerWouldBeMisread(error, socket)) socket.write(serialise(response));
    } catch (unanswerable) {
      logger.error({ err: unanswerable }, 'request refused before routing could not be answered');
    } finally {
      socket.destroy();
    }
  };
}
