import { SMTPServer } from 'smtp-server';

/** A counting SMTP sink in its own process (so its CPU is not the sender's): prints its port, then "count" on request. */
let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received += 1;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.server.address() as { port: number }).port}\n`);
});
process.stdin.on('data', () => process.stdout.write(`${received}\n`));
