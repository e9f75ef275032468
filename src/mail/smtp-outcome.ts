import type { ReplyClass } from '../metrics/metrics.ts';

/**
 * What an SMTP failure means, decided from the phase of the transaction it happened in and the
 * reply's enhanced status code (RFC 3463), not from its first digit alone. Pure, so the policy
 * is testable without a server: the delivery service acts on the verdict.
 *
 * The rule that protects the list: only a permanent failure about the RECIPIENT bounces the
 * recipient. A refusal of the session, the sender, authentication, TLS, the content or a policy
 * is the server's problem: sending pauses and every row is kept.
 */
export type SmtpVerdict =
  /** 5xx about this address (RCPT TO, or the reply to its message): the subscriber is bounced. */
  | { kind: 'bounce'; reply: string }
  /** 4xx (or a soft 5xx such as 5.2.2 mailbox full) for this recipient: retried with backoff, counts an attempt. */
  | { kind: 'retry'; reply: string; slowDown: boolean }
  /**
   * The server refused (5xx) or deferred (4xx) something that is not about the recipient: sending
   * pauses and the row goes back to the queue. `countsAttempt` is set when the refusal came at
   * RCPT TO or DATA, where it may concern this one message: such a row moves out of the way with
   * backoff (ending `failed`, never bounced) so one message cannot hold the queue.
   */
  | { kind: 'refused'; reply: string; permanent: boolean; countsAttempt: boolean; phase: SmtpPhase }
  /**
   * The server is unreachable or dropped us. `afterData` means the server may already have
   * accepted the message (RFC 1047): it is retried with the same Message-ID, and counts as an attempt.
   */
  | { kind: 'unreachable'; reply: string; afterData: boolean }
  /** Our own send was aborted (shutdown deadline): the row goes back to the queue untouched. */
  | { kind: 'aborted'; reply: string }
  /** Refused before any reply by our side (nodemailer's own checks): retried like a temporary failure. */
  | { kind: 'local'; reply: string };

/** Where in the SMTP transaction the reply came. `session` covers the greeting, EHLO/HELO, STARTTLS, AUTH and a reply that closed the connection. */
export type SmtpPhase = 'session' | 'sender' | 'recipient' | 'data';

export interface SmtpErrorLike {
  responseCode?: number;
  response?: string;
  command?: string;
  code?: string;
  message?: string;
}

/** nodemailer's `command` on an error: CONN, EHLO, HELO, STARTTLS, AUTH <method>, MAIL FROM, RCPT TO, DATA, API. */
export function phaseOf(command: string | undefined): SmtpPhase | undefined {
  const c = (command ?? '').toUpperCase();
  if (c === 'MAIL FROM') return 'sender';
  if (c === 'RCPT TO') return 'recipient';
  if (c === 'DATA' || c === 'MESSAGE') return 'data';
  if (c === 'CONN' || c === 'EHLO' || c === 'HELO' || c === 'LHLO' || c === 'STARTTLS' || c.startsWith('AUTH')) return 'session';
  return undefined;
}

/** "550 5.1.1 No such user" → { klass: 5, subject: 1, detail: 1 }; undefined without an enhanced code. */
export function enhancedCodeOf(reply: string): { klass: number; subject: number; detail: number } | undefined {
  const m = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply.trim());
  return m ? { klass: Number(m[1]), subject: Number(m[2]), detail: Number(m[3]) } : undefined;
}

/** A bare RFC 3463 status ("5.1.1", as a DSN's Status field gives it) → its parts; undefined if it is not one. */
export function parseEnhancedStatus(status: string): { klass: number; subject: number; detail: number } | undefined {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(status.trim());
  return m ? { klass: Number(m[1]), subject: Number(m[2]), detail: Number(m[3]) } : undefined;
}

/** Mailbox full (x.2.2): temporary by intent, whatever its class says. */
export function isMailboxFull(e: { subject: number; detail: number }): boolean {
  return e.subject === 2 && e.detail === 2;
}

/** 421 and 454 (and 4.7.x) say "too much, slow down" about the server, not about this recipient. */
const THROTTLING_CODES = new Set([421, 454]);

/**
 * Enhanced codes (RFC 3463 and the IANA registry, RFC 5248) that say the recipient's address or
 * mailbox is gone. 5.1.7/5.1.8 are about the sender's address, so they are not here.
 */
export function isAboutRecipient(e: { subject: number; detail: number }): boolean {
  if (e.subject === 1) return e.detail !== 7 && e.detail !== 8;
  // 5.2.0 other mailbox status, 5.2.1 mailbox disabled, 5.2.4 list expansion; 5.2.2 (full) is soft, 5.2.3 (too big) is the message.
  if (e.subject === 2) return e.detail === 0 || e.detail === 1 || e.detail === 4;
  // 5.4.4 unable to route: the recipient's domain has no mail host.
  if (e.subject === 4) return e.detail === 4;
  // 5.7.13 account disabled, 5.7.17 mailbox owner changed, 5.7.18 domain owner changed (RFC 7293).
  if (e.subject === 7) return e.detail === 13 || e.detail === 17 || e.detail === 18;
  return false;
}

/** Without an enhanced code, at RCPT TO: 550 unavailable, 551 not local, 553 bad mailbox name, 556 domain takes no mail (RFC 7504). */
const RECIPIENT_BASIC_CODES = new Set([550, 551, 553, 556]);

export function classifySmtpError(error: unknown): SmtpVerdict {
  const e = (error ?? {}) as SmtpErrorLike;
  const reply = (e.response ?? e.message ?? String(error)).slice(0, 500);
  if (e.code === 'EABORT') return { kind: 'aborted', reply: `aborted: ${reply}` };
  const code = e.responseCode;
  const phase = phaseOf(e.command);
  if (typeof code !== 'number' || code < 400) {
    // No reply: a broken connection (ours to retry when the server is back), or nodemailer's own check of what we gave it.
    if (e.code !== undefined && !CONNECTION_CODES.has(e.code)) return { kind: 'local', reply: `${e.code} ${reply}` };
    return { kind: 'unreachable', reply: `${e.code ?? 'ERROR'} ${reply}`.trim(), afterData: phase === 'data' };
  }
  return classifyReply(phase ?? 'session', code, reply);
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/** The table: phase × basic code × enhanced code → verdict (see the unit tests for every row). */
export function classifyReply(phase: SmtpPhase, code: number, reply: string): SmtpVerdict {
  const enhanced = enhancedCodeOf(reply);
  const perMessage = phase === 'recipient' || phase === 'data';
  const refused = (permanent: boolean): SmtpVerdict => ({ kind: 'refused', reply, permanent, countsAttempt: perMessage, phase });
  if (code < 500) {
    const slowDown = THROTTLING_CODES.has(code) || enhanced?.subject === 7;
    // A deferral of the session or the sender concerns every message alike: pause, keep the row.
    return perMessage && code !== 421 ? { kind: 'retry', reply, slowDown } : refused(false);
  }
  if (!perMessage || code === 503) return refused(true);
  if (enhanced) {
    if (isMailboxFull(enhanced)) return { kind: 'retry', reply, slowDown: false };
    return isAboutRecipient(enhanced) ? { kind: 'bounce', reply } : refused(true);
  }
  // No enhanced code: only RCPT TO's own "no such mailbox" replies name the recipient; a bare
  // 550/554 after DATA is as often a content or policy refusal, and 552 at RCPT is "mailbox full".
  if (phase === 'recipient' && code === 552) return { kind: 'retry', reply, slowDown: false };
  return phase === 'recipient' && RECIPIENT_BASIC_CODES.has(code) ? { kind: 'bounce', reply } : refused(true);
}

/**
 * Exponential backoff with full jitter in [0.5, 1.5): retries of a whole edition that failed
 * together (a greylisting server) spread out instead of arriving in one burst. Capped at 6 hours.
 */
export function retryDelayMs(attempt: number, baseSeconds: number, random: () => number = Math.random): number {
  const exponential = baseSeconds * 1000 * 2 ** Math.max(0, attempt - 1);
  return Math.min(exponential, 6 * 3600_000) * (0.5 + random());
}

/**
 * The class of the SMTP reply that decided a delivery, for metrics: from a reply line ("250 2.0.0
 * OK") or from a nodemailer error's responseCode; 'none' when there was no reply (a connection
 * failure, our own abort).
 */
export function replyClassOf(replyOrError: unknown): ReplyClass {
  const code =
    typeof replyOrError === 'string'
      ? Number(/^\s*(\d)\d\d/.exec(replyOrError)?.[1])
      : Math.floor(Number((replyOrError as SmtpErrorLike | undefined)?.responseCode) / 100);
  return code === 2 ? '2xx' : code === 4 ? '4xx' : code === 5 ? '5xx' : 'none';
}
