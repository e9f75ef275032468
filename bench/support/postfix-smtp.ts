import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { findFreePort } from '../../test/support/nginx.ts';

export const SMTP_SINK = '/usr/sbin/smtp-sink';
export const SMTP_SOURCE = '/usr/sbin/smtp-source';

/** When a count of accepted messages was reached: wall clock (to compare with rows' times) and monotonic. */
export interface Reached {
  wallMs: number;
  at: number;
}

/**
 * Postfix's smtp-sink (C, one process, accepts and discards) on a loopback port, with its
 * running counter (-c: "sess=N quit=N mesg=N" after every message) read as it is printed, so
 * the benchmark knows when each message was accepted without asking the sender.
 */
export interface SmtpSink {
  readonly port: number;
  /** Messages accepted so far. */
  messages(): number;
  /** Resolves when the sink has accepted `count` messages in all. */
  reached(count: number): Promise<Reached>;
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    // As root smtp-sink insists on dropping to a user once it has bound its port.
    const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    const child = spawn(SMTP_SINK, ['-c', ...user, `127.0.0.1:${port}`, '256'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let count = 0;
    let partial = '';
    const waiting: { count: number; resolve: (r: Reached) => void }[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const reached = { wallMs: Date.now(), at: performance.now() };
      // Counter lines end in "\r"; a chunk may end inside one.
      const lines = (partial + chunk).split('\r');
      partial = lines.pop()!;
      for (const line of lines) count = Number(/mesg=(\d+)/.exec(line)?.[1] ?? count);
      for (const w of waiting.filter((x) => x.count <= count)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(reached);
      }
    });
    if (await answers(port, child)) {
      return {
        port,
        messages: () => count,
        reached: (target) =>
          target <= count
            ? Promise.resolve({ wallMs: Date.now(), at: performance.now() })
            : new Promise((resolve, reject) => {
                // A sender that stops short must end the benchmark, not hang it.
                const timer = setTimeout(() => reject(new Error(`smtp-sink: ${count} messages, never ${target}`)), 600_000);
                waiting.push({ count: target, resolve: (r) => (clearTimeout(timer), resolve(r)) });
              }),
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (attempt === 3) throw new Error(`smtp-sink did not start: ${stderr}`);
  }
}

/** Whether the sink greets on `port` (it may have exited: the port taken between picking and binding). */
async function answers(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.end('QUIT\r\n');
        resolve(data.toString().startsWith('220'));
      });
      socket.once('error', () => resolve(false));
    });
    if (greeted) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Postfix's smtp-source: `messages` messages of `bytes` bytes of payload over `sessions` parallel
 * sessions, each session reusing its connection (-d), as a sending pool does.
 */
export function runSmtpSource(port: number, options: { messages: number; sessions: number; bytes: number }): Promise<void> {
  const args = [
    '-d',
    '-s',
    String(options.sessions),
    '-m',
    String(options.messages),
    '-l',
    String(options.bytes),
    '-f',
    'newsletter@news.example.com',
    '-t',
    'reader@example.org',
    `127.0.0.1:${port}`,
  ];
  return new Promise((resolve, reject) =>
    execFile(SMTP_SOURCE, args, { timeout: 600_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`smtp-source ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(),
    ),
  );
}
