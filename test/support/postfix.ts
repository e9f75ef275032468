import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { findFreePort } from './browser-gazette.ts';
import { waitUntil } from './wait.ts';

const POSTFIX = '/usr/sbin/postfix';
const POSTQUEUE = '/usr/sbin/postqueue';

/**
 * A private Postfix of a test's own (Debian's Postfix 3.x): its own config and queue directory in
 * a temporary directory, SMTP on a free loopback port, relaying everything it accepts like a
 * provider's smarthost. Nothing of the system's Postfix (port 25, /etc/postfix, /var/spool/postfix)
 * is used or touched.
 */
export interface TestPostfix {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`, for `mail.smtpUrl`. */
  readonly url: string;
  /** The master's process id; it leads the process group of every Postfix daemon of this instance. */
  readonly masterPid: number;
  /** Postfix's own log so far (maillog_file), for a failing test's message. */
  log(): string;
  /** Live processes (not zombies awaiting their reaper) in the master's process group: 0 once stopped. */
  processes(): number;
  /** Messages still in the queue (deferred or active), from `postqueue -j`. */
  queued(): number;
  /** Stops the master and every Postfix process, and waits until they are gone. */
  stop(): Promise<void>;
}

export interface PostfixOptions {
  /** Where everything goes (the relayhost): a loopback SMTP URL such as a scripted server's. */
  relayTo: string;
  /** Domains routed elsewhere (transport_maps), e.g. the bounce domain to the sink that collects reports. */
  routes?: Record<string, string>;
  /** maximal_queue_lifetime: a deferred message is returned as failed after this (0: after the first failed try). */
  queueLifetimeSeconds?: number;
  /** delay_warning_time: a "delayed" DSN for a message still deferred after this (0: none). */
  delayWarningSeconds?: number;
}

function hostAndPort(url: string): string {
  const parsed = new URL(url);
  return `[${parsed.hostname}]:${parsed.port}`;
}

function mainCf(dir: string, options: PostfixOptions): string {
  const routes = Object.entries(options.routes ?? {}).map(([domain, url]) => `${domain}=smtp:${hostAndPort(url)}`);
  const lifetime = `${options.queueLifetimeSeconds ?? 10}s`;
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    `maillog_file = ${dir}/postfix.log`,
    `maillog_file_prefixes = ${dir}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    // A name of its own, unlike the test SMTP servers' greeting (Postfix refuses to relay to "itself").
    'myhostname = mta.gazette.test',
    'mydomain = gazette.test',
    'myorigin = $myhostname',
    // Nothing is delivered locally: every address is relayed.
    'mydestination =',
    'local_recipient_maps =',
    'alias_maps =',
    'alias_database =',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    `relayhost = ${hostAndPort(options.relayTo)}`,
    ...(routes.length > 0 ? [`transport_maps = inline:{ ${routes.join(', ')} }`] : []),
    // Loopback only: no DNS, no MX lookups.
    'smtp_dns_support_level = disabled',
    'smtp_host_lookup = native',
    'smtp_tls_security_level = none',
    'smtpd_tls_security_level = none',
    'smtputf8_enable = no',
    'biff = no',
    // No postmaster notices: there is no local postmaster.
    'notify_classes =',
    // Seconds instead of days, so that a deferral turns into a delay warning and then a bounce
    // while the test waits.
    `maximal_queue_lifetime = ${lifetime}`,
    `bounce_queue_lifetime = ${lifetime}`,
    `delay_warning_time = ${options.delayWarningSeconds ?? 0}s`,
    'queue_run_delay = 1s',
    'minimal_backoff_time = 1s',
    'maximal_backoff_time = 2s',
    '',
  ].join('\n');
}

/** Postfix's own service table, no chroot (the queue is in a temporary directory), SMTP on `port`. */
function masterCf(port: number): string {
  return [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup    unix  n - n 60 1 pickup',
    'cleanup   unix  n - n -  0 cleanup',
    'qmgr      unix  n - n 300 1 qmgr',
    'rewrite   unix  - - n -  - trivial-rewrite',
    'bounce    unix  - - n -  0 bounce',
    'defer     unix  - - n -  0 bounce',
    'trace     unix  - - n -  0 bounce',
    'verify    unix  - - n -  1 verify',
    'flush     unix  n - n 1000? 0 flush',
    'proxymap  unix  - - n -  - proxymap',
    'smtp      unix  - - n -  - smtp',
    'relay     unix  - - n -  - smtp',
    'showq     unix  n - n -  - showq',
    'error     unix  - - n -  - error',
    'retry     unix  - - n -  - error',
    'discard   unix  - - n -  - discard',
    'anvil     unix  - - n -  1 anvil',
    'scache    unix  - - n -  1 scache',
    'postlog   unix-dgram n - n - 1 postlogd',
    '',
  ].join('\n');
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', (greeting) => {
      socket.end('QUIT\r\n');
      resolve(greeting.toString().startsWith('220 '));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Processes of a process group that still run, from /proc (a zombie only waits to be reaped). */
function liveGroupMembers(pgid: number): number {
  let live = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces or parentheses, so read after the last ')'.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') live += 1;
  }
  return live;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts Postfix (`postfix -c <dir> start-fg`) with a main.cf and master.cf of its own in a
 * temporary directory, and waits until it greets on its port. Stopped when the test ends, failed
 * or not: SIGTERM to the master (which stops its children), then SIGKILL to its whole process
 * group (the master leads one) if anything is left; the same group is killed if the test process
 * exits without running its `after` hooks. Needs root (Postfix runs its daemons as `postfix`).
 */
export async function startPostfix(t: { after(fn: () => Promise<void> | void): void }, options: PostfixOptions): Promise<TestPostfix> {
  if (!existsSync(POSTFIX)) throw new Error(`${POSTFIX} not found: install postfix (scripts/ensure-services.sh does)`);
  if (userInfo().uid !== 0) throw new Error('the Postfix tests need root (Postfix runs its daemons as its own user)');
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-postfix-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'queue'));
  mkdirSync(path.join(dir, 'data'));
  const postfixUser = spawnSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).stdout.trim();
  chownSync(path.join(dir, 'data'), Number(postfixUser), 0);
  const port = await findFreePort();
  writeFileSync(path.join(dir, 'main.cf'), mainCf(dir, options));
  writeFileSync(path.join(dir, 'master.cf'), masterCf(port));
  const logFile = path.join(dir, 'postfix.log');
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  const child: ChildProcess = spawn(POSTFIX, ['-c', dir, 'start-fg'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pidFile = path.join(dir, 'queue', 'pid', 'master.pid');
  let masterPid: number | undefined;
  const killGroup = (): void => {
    if (masterPid === undefined) return;
    try {
      process.kill(-masterPid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (masterPid !== undefined && isAlive(masterPid)) {
      process.kill(masterPid, 'SIGTERM');
      await waitUntil(() => !isAlive(masterPid!), `Postfix master ${masterPid} to exit`, { ceilingMs: 10_000, pollMs: 50 }).catch(
        killGroup,
      );
    }
    // Daemons finishing a request exit on their own shortly after the master; none may stay.
    killGroup();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    if (masterPid !== undefined) {
      const group = masterPid;
      await waitUntil(() => liveGroupMembers(group) === 0, `Postfix's processes (group ${group}) to end`, {
        ceilingMs: 10_000,
        pollMs: 20,
      });
    }
    process.off('exit', killGroup);
    await waitUntil(async () => !(await greets(port)), `port ${port} to close`, { ceilingMs: 10_000, pollMs: 50 });
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`postfix start-fg exited (${child.exitCode}): ${stderr}\n${log()}`);
      if (masterPid === undefined && existsSync(pidFile)) masterPid = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
      return masterPid !== undefined && greets(port);
    },
    `Postfix greeting on port ${port}`,
    { ceilingMs: 30_000, pollMs: 50 },
  );
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    masterPid: masterPid!,
    processes: () => liveGroupMembers(masterPid!),
    log,
    queued: () => {
      const listed = spawnSync(POSTQUEUE, ['-c', dir, '-j'], { encoding: 'utf8' });
      if (listed.status !== 0) throw new Error(`postqueue -j failed (${listed.status}): ${listed.stderr}`);
      return listed.stdout.split('\n').filter((line) => line.trim() !== '').length;
    },
    stop,
  };
}
