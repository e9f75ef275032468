import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { makeTempDir } from './temp-dir.ts';

export interface LocalPki {
  /** The test CA's certificate: what the client must trust to reach the local HTTPS server. */
  caPem: string;
  /** A server certificate for localhost and 127.0.0.1, issued by the CA. */
  serverKeyPem: string;
  serverCertPem: string;
  /** A signing key and its certificate, as SNS publishes them (the certificate issued by the CA). */
  signingKeyPem: string;
  signingCertPem: string;
}

/** A throwaway certificate authority made with openssl: tests cannot reach AWS, so they play its part. */
export function makeLocalPki(t: TestContext | { after(fn: () => void): void }): LocalPki {
  const dir = makeTempDir(t);
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Gazette Test CA',
  );
  const issue = (name: string, subject: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  issue('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  issue('signing', '/CN=sns.amazonaws.com', 'keyUsage=digitalSignature\n');
  const read = (name: string) => readFileSync(file(name), 'utf8');
  return {
    caPem: read('ca.pem'),
    serverKeyPem: read('server.key'),
    serverCertPem: read('server.pem'),
    signingKeyPem: read('signing.key'),
    signingCertPem: read('signing.pem'),
  };
}

export interface LocalHttpsServer {
  /** "https://localhost:<port>" */
  origin: string;
  /** Every path requested, in order. */
  requests: string[];
}

/** An HTTPS server on loopback with the PKI's server certificate, answering GETs from `pages` (404 otherwise). */
export async function startLocalHttpsServer(t: TestContext, pki: LocalPki, pages: Record<string, string>): Promise<LocalHttpsServer> {
  const requests: string[] = [];
  const server: Server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (req, res) => {
    requests.push(req.url ?? '');
    const page = pages[(req.url ?? '').split('?')[0]!];
    res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(page ?? 'not found');
  });
  // All interfaces: "localhost" may resolve to ::1 or 127.0.0.1.
  await new Promise<void>((resolve) => server.listen(0, resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { origin: `https://localhost:${(server.address() as AddressInfo).port}`, requests };
}
