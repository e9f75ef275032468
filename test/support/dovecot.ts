import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { findFreePort } from './browser-gazette.ts';
import { waitUntil } from './wait.ts';

const DOVECOT = '/usr/sbin/dovecot';
/** Debian's `mail` user owns the maildir: Dovecot refuses to give mail processes uid 0. */
const MAIL_USER = { name: 'mail', uid: 8, gid: 8 };

/** An IMAP server of a test's own (Debian's Dovecot), with one user and a maildir in a temporary directory. */
export interface TestDovecot {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Appends a raw message to a mailbox of the user (INBOX by default), unseen. */
  deliver(raw: string | Buffer, mailbox?: string): Promise<void>;
  /** How many messages a mailbox holds now (0 when it does not exist). */
  count(mailbox: string): Promise<number>;
  /** Stops the server (clients are disconnected) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and maildir, and waits until it accepts connections. */
  start(): Promise<void>;
  /** The server's log so far, for a failing test's message. */
  log(): string;
}

export interface DovecotOptions {
  /** IMAP capabilities announced instead of Dovecot's own (e.g. without MOVE or IDLE). */
  capabilities?: string;
}

function configFile(dir: string, port: number, options: DovecotOptions): string {
  return [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = gazette-test-${port}`,
    `log_path = ${dir}/dovecot.log`,
    `protocols = imap`,
    `listen = 127.0.0.1`,
    `ssl = no`,
    `disable_plaintext_auth = no`,
    `auth_mechanisms = plain login`,
    `default_internal_user = dovecot`,
    `default_login_user = dovenull`,
    `first_valid_uid = ${MAIL_USER.uid}`,
    `first_valid_gid = ${MAIL_USER.gid}`,
    `mail_location = maildir:${dir}/mail/%u`,
    `passdb {`,
    `  driver = passwd-file`,
    `  args = scheme=PLAIN ${dir}/users`,
    `}`,
    `userdb {`,
    `  driver = static`,
    `  args = uid=${MAIL_USER.uid} gid=${MAIL_USER.gid} home=${dir}/home/%u`,
    `}`,
    `namespace inbox {`,
    `  inbox = yes`,
    `  separator = /`,
    `}`,
    `service imap-login {`,
    `  inet_listener imap {`,
    `    address = 127.0.0.1`,
    `    port = ${port}`,
    `  }`,
    `  inet_listener imaps {`,
    `    port = 0`,
    `  }`,
    `}`,
    ...(options.capabilities ? [`protocol imap {`, `  imap_capability = ${options.capabilities}`, `}`] : []),
    '',
  ].join('\n');
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', (greeting) => {
      socket.destroy();
      resolve(greeting.toString().startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Dovecot in the foreground (`dovecot -F`) with a config of its own in a temporary
 * directory: its own base_dir, one passwd-file user, a maildir, IMAP on a free loopback port, no
 * TLS. Stopped and removed when the test ends. Needs root (the test setup runs as root): the
 * master drops to Dovecot's users and the mail is owned by `mail`.
 */
export async function startDovecot(t: { after(fn: () => Promise<void> | void): void }, options: DovecotOptions = {}): Promise<TestDovecot> {
  if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} not found: install dovecot-imapd (scripts/ensure-services.sh does)`);
  if (userInfo().uid !== 0) throw new Error('the Dovecot tests need root (to run the server as its own users)');
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-dovecot-'));
  chmodSync(dir, 0o755);
  for (const sub of ['mail', 'home']) {
    mkdirSync(path.join(dir, sub));
    chownSync(path.join(dir, sub), MAIL_USER.uid, MAIL_USER.gid);
  }
  const port = await findFreePort();
  const user = 'bounces';
  const password = 'bounce-box-password';
  writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}\n`);
  const config = path.join(dir, 'dovecot.conf');
  writeFileSync(config, configFile(dir, port, options));
  const logFile = path.join(dir, 'dovecot.log');

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async (): Promise<void> => {
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    child = undefined;
  };
  const start = async (): Promise<void> => {
    const started = spawn(DOVECOT, ['-F', '-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    started.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    child = started;
    await waitUntil(
      async () => {
        if (started.exitCode !== null) throw new Error(`dovecot exited (${started.exitCode}): ${stderr}${server.log()}`);
        return acceptsConnections(port);
      },
      `Dovecot accepting connections on port ${port}`,
      { ceilingMs: 30_000, pollMs: 50 },
    );
  };
  const withClient = async <T>(work: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  };

  const server: TestDovecot = {
    host: '127.0.0.1',
    port,
    user,
    password,
    deliver: (raw, mailbox = 'INBOX') =>
      withClient(async (client) => {
        if (!(await client.append(mailbox, raw, []))) throw new Error(`could not append to ${mailbox}`);
      }),
    count: (mailbox) =>
      withClient(async (client) => {
        const listed = await client.list();
        if (!listed.some((m) => m.path === mailbox)) return 0;
        const status = await client.status(mailbox, { messages: true });
        return status ? (status.messages ?? 0) : 0;
      }),
    stop,
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return server;
}
