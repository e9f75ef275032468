import { createServer, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The status Gazette answered with; 0 until it has. */
  status: number;
}

export interface RecordingListener {
  port: number;
  /** Every request that reached the app, in order: what a proxy in front let through. */
  seen: SeenRequest[];
  /** The requests for one path (query included). */
  seenFor(url: string): SeenRequest[];
}

/** Serves `app` on loopback port 0 and records each request that reaches it, with its answer's status. */
export async function listenRecording(t: TestContext, app: RequestListener): Promise<RecordingListener> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const entry: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, status: 0 };
    seen.push(entry);
    res.once('finish', () => (entry.status = res.statusCode));
    app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, seen, seenFor: (url) => seen.filter((r) => r.url === url) };
}
