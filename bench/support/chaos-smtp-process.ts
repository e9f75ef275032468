import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server in its own process whose behaviour the chaos trials switch on stdin, one JSON
 * command a line; each command is answered with one JSON line on stdout. It keeps, per
 * recipient, the Message-ID of every message it accepted, so a trial can count lost and
 * duplicated mail and tell whether duplicates share their Message-ID.
 *   {"mode":"accept"}     accept every message
 *   {"mode":"refuse530"}  answer MAIL FROM with 530 5.7.0 (a relay that wants authentication)
 *   {"mode":"hang"}       accept connections and never greet them (a stuck server)
 *   {"cmd":"down"}        stop listening and drop every connection (the server is gone)
 *   {"cmd":"up"}          listen again on the same port
 *   {"cmd":"report"}      {"count": n, "byRecipient": {"a@b": ["<id>", ...]}}
 */
type Mode = 'accept' | 'refuse530' | 'hang';
let mode: Mode = 'accept';
let count = 0;
const byRecipient = new Map<string, string[]>();
let port = 0;
let server = makeServer();

function makeServer(): SMTPServer {
  const made = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      if (mode !== 'hang') callback();
      // hang: the callback is never called, so the client waits for a greeting that never comes.
    },
    onMailFrom(_address, _session, callback) {
      if (mode === 'refuse530') return callback(Object.assign(new Error('5.7.0 Authentication required'), { responseCode: 530 }));
      callback();
    },
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const messageId = /^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? '(none)';
        for (const rcpt of session.envelope.rcptTo) {
          const list = byRecipient.get(rcpt.address) ?? [];
          list.push(messageId);
          byRecipient.set(rcpt.address, list);
        }
        count += 1;
        callback();
      });
    },
  });
  // A client killed mid-transaction resets its connection: that is the trial, not a fault here.
  made.on('error', () => undefined);
  return made;
}

function listen(): Promise<void> {
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => {
      port = (server.server.address() as { port: number }).port;
      resolve();
    }),
  );
}

function answer(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

await listen();
answer({ port });
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { mode?: Mode; cmd?: 'down' | 'up' | 'report' };
  if (command.mode) {
    mode = command.mode;
    answer({ mode });
  } else if (command.cmd === 'down') {
    // close() waits for open connections; destroy them so the server is gone at once.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of (server as unknown as { connections: Set<{ _socket?: { destroy(): void } }> }).connections ?? [])
      socket._socket?.destroy();
    await closed;
    answer({ down: true });
  } else if (command.cmd === 'up') {
    server = makeServer();
    await listen();
    answer({ up: true, port });
  } else if (command.cmd === 'report') {
    answer({ count, byRecipient: Object.fromEntries(byRecipient) });
  }
}
