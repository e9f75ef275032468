import { spawn } from 'node:child_process';
import { once } from 'node:events';
import nodemailer from 'nodemailer';
import { createMailTransport } from '../src/mail/mail-transport.ts';
import { fillHtml, fillText } from '../src/mail/placeholders.ts';
import { benchDigestMessage } from './support/digest-message.ts';

/**
 * Send throughput of a 10-article digest to an smtp-server sink in another process on loopback:
 * Gazette's path (MIME built once per edition, substituted per recipient, raw through the pool)
 * against plain nodemailer sendMail of the same messages through the same kind of pool, same run.
 * Issue 3 asks ≥1,000 messages/s and ≥2x. Run: npx tsx bench/send-throughput.ts [messages]
 */
const MESSAGES = Number(process.argv[2] ?? 3000);
const sinkProcess = spawn(process.execPath, ['--import', 'tsx', new URL('./support/smtp-sink-process.ts', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [portLine] = (await once(sinkProcess.stdout, 'data')) as [Buffer];
const smtpUrl = `smtp://127.0.0.1:${portLine.toString().trim()}`;

const { config, composer, mail, valuesOf, render } = await benchDigestMessage(smtpUrl, 5);

async function timed(label: string, send: (i: number) => Promise<unknown>): Promise<number> {
  await Promise.all(Array.from({ length: 20 }, (_, i) => send(i))); // warm the pool
  const t0 = performance.now();
  let next = 0;
  // As the delivery worker does: a bounded number of messages in flight, twice the pool size.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let i = next++; i < MESSAGES; i = next++) await send(i);
    }),
  );
  const rate = MESSAGES / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(42)} ${rate.toFixed(0)} messages/s`);
  return rate;
}

const gazetteTransport = createMailTransport(config);
const ours = await timed('Gazette (prebuilt MIME, substituted, raw)', (i) => {
  const id = `s${i}`;
  return gazetteTransport.send({ from: composer.envelopeFrom, to: `${id}@example.org` }, render(i), id);
});
gazetteTransport.close();

const plain = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 5, maxMessages: 1000 });
const baseline = await timed('plain nodemailer sendMail per message', (i) => {
  const id = `s${i}`;
  const values = valuesOf(id);
  return plain.sendMail({
    from: config.mail.from,
    to: `${id}@example.org`,
    subject: mail.subject,
    text: fillText(mail.text, values),
    html: fillHtml(mail.html, values),
    list: { unsubscribe: [[values.unsubscribeUrl]], id: 'Gazette <gazette.news.example.com>' },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    messageId: composer.messageId(`e:${id}`),
  });
});
plain.close();
console.log(`ratio: ${(ours / baseline).toFixed(2)}x`);
sinkProcess.kill();
