import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { EVENT_CEILING_MS } from './wait.ts';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** The name the client gave in EHLO/HELO (nodemailer's `name`): tells several senders apart. */
  heloName: string;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  readonly messages: ReceivedMail[];
  /** Reply to RCPT TO for this address with an SMTP code and message (e.g. 451 or 550); `times` then accept (default: always). */
  rejectRecipient(address: string, code: number, message?: string, times?: number): void;
  /** Take the whole message for this address, then answer `code` after DATA (`times` times): the sender cannot know it arrived. */
  rejectAfterData(address: string, code: number, times?: number): void;
  /** Messages answered with an error after DATA (see rejectAfterData). */
  readonly rejectedAfterData: ReceivedMail[];
  /** Resolves once `count` messages have arrived (or rejects after `timeoutMs`, by default the generous EVENT_CEILING_MS). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Stops accepting connections (the port is kept, so `start` brings the same server back). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps and parses everything it receives. */
export async function startSmtpSink(options: { port?: number } = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const rejections = new Map<string, { code: number; message: string; times: number }>();
  const dataRejections = new Map<string, { code: number; times: number }>();
  const rejectedAfterData: ReceivedMail[] = [];
  const smtpError = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });
  const waiters: { count: number; resolve: (m: ReceivedMail[]) => void }[] = [];
  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    // close() and stop() drop pooled client connections quickly instead of waiting 30 s for them.
    closeTimeout: 100,
    onRcptTo(address, _session, callback) {
      const rule = rejections.get(address.address.toLowerCase());
      if (!rule || rule.times <= 0) return callback();
      rule.times -= 1;
      callback(smtpError(rule.code, rule.message));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          const received = {
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            heloName: session.hostNameAppearsAs,
            raw,
            parsed,
          };
          const rule = dataRejections.get((received.envelopeTo[0] ?? '').toLowerCase());
          if (rule && rule.times > 0) {
            rule.times -= 1;
            rejectedAfterData.push(received);
            return callback(smtpError(rule.code, 'Try again later'));
          }
          messages.push(received);
          for (const w of [...waiters]) {
            if (messages.length >= w.count) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(messages.slice());
            }
          }
          callback();
        }, callback);
      });
    },
  };
  let server = new SMTPServer(serverOptions);
  let port = options.port ?? 0;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.server.address() as AddressInfo).port;
        server.off('error', reject);
        // A client killed mid-transaction resets its socket: expected in these tests, not a failure.
        server.on('error', () => undefined);
        resolve();
      });
    });
  await listen();
  const sink: SmtpSink = {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    messages,
    rejectedAfterData,
    rejectRecipient(address, code, message = code >= 500 ? 'Mailbox unavailable' : 'Try again later', times = Infinity) {
      rejections.set(address.toLowerCase(), { code, message, times });
    },
    rejectAfterData(address, code, times = Infinity) {
      dataRejections.set(address.toLowerCase(), { code, times });
    },
    waitFor(count, timeoutMs = EVENT_CEILING_MS) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const waiter = { count, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i !== -1) {
            waiters.splice(i, 1);
            reject(new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`));
          }
        }, timeoutMs).unref();
      });
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
    async start() {
      server = new SMTPServer(serverOptions);
      await listen();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return sink;
}
