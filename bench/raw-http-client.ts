import { connect } from 'node:net';

/**
 * A minimal keep-alive HTTP/1.1 load generator: `connections` sockets each send a request, skip
 * the response by its Content-Length without decoding it, and send the next. autocannon appends
 * every body to a string (`req.body += data`), which for compressed (binary) bodies costs the
 * client more than the server spends answering; this client measures the server.
 * Returns responses per second.
 */
export async function measureRawRate(options: {
  port: number;
  path: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
}): Promise<number> {
  const headerLines = Object.entries(options.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const request = Buffer.from(`GET ${options.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${headerLines}\r\n`, 'latin1');
  const deadline = Date.now() + options.seconds * 1000;
  const counts = await Promise.all(Array.from({ length: options.connections }, () => runConnection(options.port, request, deadline)));
  return counts.reduce((a, b) => a + b, 0) / options.seconds;
}

function runConnection(port: number, request: Buffer, deadline: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let pending: Buffer = Buffer.alloc(0);
    let bodyLeft = -1; // -1: reading headers
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      for (;;) {
        if (bodyLeft < 0) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            pending = buf;
            return;
          }
          const head = buf.toString('latin1', 0, end);
          if (!/^HTTP\/1\.1 (200|304)/.test(head)) return reject(new Error(`unexpected response: ${head.split('\r\n')[0]}`));
          bodyLeft = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          buf = buf.subarray(end + 4);
        }
        if (buf.length < bodyLeft) {
          bodyLeft -= buf.length;
          return;
        }
        buf = buf.subarray(bodyLeft);
        bodyLeft = -1;
        count += 1;
        if (Date.now() >= deadline) {
          socket.destroy();
          return resolve(count);
        }
        socket.write(request);
      }
    });
  });
}
