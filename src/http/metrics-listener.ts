import express from 'express';
import { isSameSecret } from '../list-health/constant-time.ts';
import type { MetricsExposition } from '../metrics/metrics.ts';
import { GazetteError, isGazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { listen, type HttpServer } from './http-server.ts';

export interface MetricsListener {
  /** Listens on `metrics.listen`; resolves with the address as a URL. */
  listen(): Promise<string>;
  address(): string;
  close(deadline: Date): Promise<void>;
}

/**
 * `GET /metrics` on a listener of its own (`metrics.listen`), apart from the public one: a
 * reverse proxy in front of the site never exposes it, and it can be bound to loopback or a
 * private interface for Prometheus. With `metrics.token`, a scrape must also send it as a bearer
 * token (Prometheus: `authorization: { credentials: … }`). Nothing else is served there.
 */
export function createMetricsListener(deps: {
  exposition: MetricsExposition;
  listen: string;
  token: string | null;
  log: Logger;
}): MetricsListener {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', (req, res) => {
    if (deps.token !== null) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!isSameSecret(given, deps.token)) {
        res.status(401).set('WWW-Authenticate', 'Bearer realm="gazette-metrics"').type('text').send('metrics.token required\n');
        return;
      }
    }
    deps.exposition.render().then(
      (text) => res.set('Content-Type', deps.exposition.contentType).set('Cache-Control', 'no-store').send(text),
      (error: unknown) => {
        deps.log.error({ err: error }, 'could not render the metrics');
        res.status(500).type('text').send('metrics could not be rendered\n');
      },
    );
  });
  app.use((_req, res) => void res.status(404).type('text').send('only /metrics here\n'));
  const { host, port } = parseListen(deps.listen);
  let server: HttpServer | undefined;
  return {
    async listen() {
      try {
        server = await listen(app, port, host);
      } catch (error) {
        if (isGazetteError(error) && error.code === 'PortInUse')
          throw new GazetteError(
            'PortInUse',
            `metrics.listen ${deps.listen} is already in use: stop the other process or change metrics.listen (GAZETTE_METRICS_LISTEN).`,
          );
        throw error;
      }
      return server.url;
    },
    address() {
      if (!server) throw new Error('the metrics listener is not listening');
      return server.url;
    },
    async close(deadline) {
      await server?.close(deadline);
    },
  };
}

/** "127.0.0.1:9464" or "[::1]:9464" (the schema checked the shape). */
function parseListen(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(value.slice(at + 1)) };
}
