import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { EVENT_CEILING_MS, waitUntil } from './wait.ts';

/**
 * Real SMTP servers on loopback that misbehave on purpose: one whose answer at each phase a test
 * sets (and changes while Gazette is sending), and one that accepts connections and never says
 * a word. What they received is kept by envelope recipient.
 */
export interface SmtpReply {
  code: number;
  message: string;
}

export interface ScriptedRules {
  /** The reply to the greeting instead of 220 (the connection is then closed). */
  connect?: () => SmtpReply | undefined;
  mailFrom?: (from: string) => SmtpReply | undefined;
  rcptTo?: (to: string) => SmtpReply | undefined;
  /** The reply after the message was received (DATA), instead of 250. */
  data?: (to: string) => SmtpReply | undefined;
}

export interface ScriptedSmtp {
  readonly url: string;
  /** Replaced at will: each SMTP command asks the current rules. */
  rules: ScriptedRules;
  /** Recipients whose message was accepted, in order (one per message). */
  readonly accepted: string[];
  /** Resolves once `count` messages were accepted; rejects after `timeoutMs`. */
  waitForAccepted(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const failure = (reply: SmtpReply): Error => Object.assign(new Error(reply.message), { responseCode: reply.code });

export async function startScriptedSmtp(rules: ScriptedRules = {}): Promise<ScriptedSmtp> {
  const accepted: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 100,
    onConnect(_session, callback) {
      const reply = scripted.rules.connect?.();
      callback(reply ? failure(reply) : undefined);
    },
    onMailFrom(address, _session, callback) {
      const reply = scripted.rules.mailFrom?.(address.address);
      callback(reply ? failure(reply) : undefined);
    },
    onRcptTo(address, _session, callback) {
      const reply = scripted.rules.rcptTo?.(address.address);
      callback(reply ? failure(reply) : undefined);
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        const to = session.envelope.rcptTo[0]?.address ?? '';
        const reply = scripted.rules.data?.(to);
        if (reply) return callback(failure(reply));
        accepted.push(to);
        callback();
      });
    },
  });
  // A client that gives up mid-transaction resets its socket: expected here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const scripted: ScriptedSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    rules,
    accepted,
    async waitForAccepted(count, timeoutMs = EVENT_CEILING_MS) {
      await waitUntil(() => accepted.length >= count, `${count} accepted messages (got ${accepted.length} so far)`, {
        ceilingMs: timeoutMs,
        pollMs: 20,
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return scripted;
}

/**
 * A stuck relay: it accepts TCP connections and never answers (no greeting), or, with
 * `until: 'mail-from'`, greets, answers EHLO, then never answers MAIL FROM: a transaction stuck
 * in the middle, which no greeting timeout ends.
 */
export async function startSilentSmtp(
  options: { until?: 'greeting' | 'mail-from' } = {},
): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (options.until !== 'mail-from') return;
    socket.write('220 stuck.example ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      if (/^(EHLO|HELO) /im.test(chunk.toString())) socket.write('250 stuck.example\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
