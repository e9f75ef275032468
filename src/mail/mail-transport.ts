import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.schema.ts';
import { createDkimSigner, type DkimSigner } from './dkim-signer.ts';

/**
 * Where finished messages go: an SMTP server through a nodemailer connection pool, or, when no
 * SMTP server is configured, `.eml` files under `<dataDir>/outbox/`. Both receive the same raw
 * MIME from the same pipeline (DKIM signing included), so what lands in a file is exactly what
 * an SMTP server would have received.
 */
export interface MailEnvelope {
  from: string;
  to: string;
}

export interface MailTransport {
  /** For logs: "smtp://host:port" or "files in /path/outbox". */
  readonly description: string;
  readonly kind: 'smtp' | 'files';
  /**
   * Resolves with the server's reply; rejects with nodemailer's error (responseCode, command).
   * Aborting `signal` ends the SMTP transaction at once (code EABORT): for a server that hangs.
   */
  send(envelope: MailEnvelope, raw: Buffer, name: string, signal?: AbortSignal): Promise<string>;
  /** Closes idle connections; the delivery worker waits for its sends before calling this. */
  close(): void;
}

/** The DKIM signature, when a key is configured; signed here (not by nodemailer) to over-sign, see dkim-signer.ts. */
function dkimSignerFor(config: Config): DkimSigner {
  return config.mail.dkim ? createDkimSigner(config.mail.dkim) : (raw) => raw;
}

export function createMailTransport(config: Config): MailTransport {
  return config.mail.smtpUrl ? createSmtpTransport(config, config.mail.smtpUrl) : createFileTransport(config);
}

function createSmtpTransport(config: Config, smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: config.mail.maxConnections,
    // Long-lived connections: a new TCP+EHLO per 100 messages costs throughput for nothing.
    maxMessages: 1000,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  const sign = dkimSignerFor(config);
  const url = new URL(smtpUrl);
  url.password = '';
  url.username = '';
  return {
    description: url.toString(),
    kind: 'smtp',
    async send(envelope, raw, _name, signal) {
      // nodemailer 10 closes the pooled connection carrying an aborted message and fails it with EABORT.
      const info = await (transporter.sendMail({
        envelope: { from: envelope.from, to: [envelope.to] },
        raw: sign(raw),
        ...(signal ? { signal } : {}),
      }) as Promise<{ response?: string }>);
      return String(info.response ?? '250 OK');
    },
    close: () => transporter.close(),
  };
}

function createFileTransport(config: Config): MailTransport {
  const dir = path.join(config.paths.dataDir, 'outbox');
  const streamer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const sign = dkimSignerFor(config);
  return {
    description: `files in ${dir}`,
    kind: 'files',
    async send(envelope, raw, name) {
      const info = await (streamer.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw: sign(raw) }) as Promise<{
        message: Buffer;
      }>);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`);
      // Written then renamed: a reader (or a crash) never sees half a message.
      writeFileSync(`${file}.tmp`, info.message);
      renameSync(`${file}.tmp`, file);
      return `250 written to ${file}`;
    },
    close: () => streamer.close(),
  };
}
