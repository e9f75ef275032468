import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Metrics } from '../metrics/metrics.ts';
import type { Logger } from '../shared/logger.ts';
import { REQUEST_ID_PATTERN, runInRequest } from '../shared/request-context.ts';
import { routeTemplateOf } from './route-template.ts';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const bytesSent = Symbol('bytesSent');

/**
 * The first middleware: gives each request an id (the client's or proxy's X-Request-Id when it
 * is well-formed, a new UUID otherwise), echoes it in the response, runs the rest of the request
 * inside it (every log line written meanwhile carries it: shared/logger.ts), writes one access
 * line through pino-http when the response ends, and records the request in the metrics.
 *
 * The access line: `reqId`, `method`, `route` (the template, never the raw path: no token reaches
 * it), `status`, `durationMs`, `bytes` (body bytes written) and `clientIp` (Express's `req.ip`,
 * which follows `server.trustProxy`).
 */
export function requestTelemetry(deps: { log: Logger; metrics: Metrics }): RequestHandler {
  const accessLog = pinoHttp<IncomingMessage, ServerResponse>({
    logger: deps.log,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // req.log is not used (the request's id reaches every line through the request context), so
    // the per-request child logger carries nothing to serialise.
    wrapSerializers: false,
    serializers: { req: () => undefined },
    quietResLogger: true,
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customSuccessObject: (req, res, val: { responseTime: number }) => accessFields(req, res, val.responseTime),
    // The error itself is logged once, with its stack, by the error middleware.
    customErrorObject: (req, res, _error, val: { responseTime: number }) => accessFields(req, res, val.responseTime),
  });

  return (req, res, next) => {
    countBodyBytes(res);
    const started = performance.now();
    res.once('close', () => {
      const method = KNOWN_METHODS.has(req.method) ? req.method : 'OTHER';
      deps.metrics.observeHttp(method, routeTemplateOf(req), res.statusCode, (performance.now() - started) / 1000);
    });
    accessLog(req, res);
    runInRequest({ requestId: req.id as string }, next);
  };
}

function routeOf(req: IncomingMessage): string {
  return routeTemplateOf(req as Request);
}

function accessFields(req: IncomingMessage, res: ServerResponse, durationMs: number): Record<string, unknown> {
  const request = req as Request;
  return {
    reqId: request.id,
    method: request.method,
    route: routeTemplateOf(request),
    status: res.statusCode,
    durationMs,
    // Node sends no body for HEAD, 204 and 304, whatever the app wrote.
    bytes:
      request.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304
        ? 0
        : ((res as Response & { [bytesSent]?: number })[bytesSent] ?? 0),
    clientIp: request.ip,
  };
}

/** Counts the body bytes the app writes (what Content-Length would say; HEAD and 304 write none). */
function countBodyBytes(res: Response): void {
  const counted = res as Response & { [bytesSent]?: number };
  counted[bytesSent] = 0;
  const add = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk === 'string')
      counted[bytesSent]! += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) counted[bytesSent]! += chunk.byteLength;
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.write = ((...args: unknown[]) => {
    add(args[0], args[1]);
    return write(...args);
  }) as Response['write'];
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') add(args[0], args[1]);
    return end(...args);
  }) as Response['end'];
}
