import { request } from 'node:https';

export interface HttpsFetchOptions {
  /** PEM certificates to trust instead of Node's bundled roots; undefined keeps the roots. */
  ca?: string;
  maxBytes: number;
  timeoutMs: number;
}

/** GET over https: the body as text on a 200, an error otherwise. Redirects are not followed. */
export function fetchHttpsText(url: string, options: HttpsFetchOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: options.ca, timeout: options.timeoutMs }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          req.destroy(new Error(`GET ${url}: more than ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
