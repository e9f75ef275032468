import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { GazetteError } from '../shared/errors.ts';

export interface HttpServer {
  /** The listening address as a URL. */
  readonly url: string;
  /**
   * Stops taking connections and requests; lets requests in flight finish until `deadline`,
   * then cuts what is left. Idle keep-alive connections are closed at once.
   */
  close(deadline: Date): Promise<void>;
}

export function listen(app: Express, port: number, host: string): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host);
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new GazetteError(
              'PortInUse',
              `Port ${port} on ${host} is already in use: stop the other process or set server.port (GAZETTE_PORT).`,
            )
          : error,
      );
    });
    server.once('listening', () => {
      const a = server.address() as AddressInfo;
      resolve({
        url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
        close: (deadline) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline.getTime() - Date.now()));
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
