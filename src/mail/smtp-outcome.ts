/**
 * What an SMTP failure means for the delivery that caused it. Pure, so the policy is testable
 * without a server: the worker acts on the verdict.
 */
export type SmtpVerdict =
  /** 5xx: the address will not take mail; never retried, the subscriber is marked bounced. */
  | { kind: 'permanent'; reply: string }
  /** 4xx for this message or recipient: retried later with backoff. */
  | { kind: 'temporary'; reply: string; slowDown: boolean }
  /**
   * The server is unreachable or dropped us. `afterData` means the server may already have
   * accepted the message (RFC 1047): it is retried with the same Message-ID, and counts as an attempt.
   */
  | { kind: 'connection'; reply: string; afterData: boolean };

interface SmtpErrorLike {
  responseCode?: number;
  response?: string;
  command?: string;
  code?: string;
  message?: string;
}

/** 421 and 454 say "too much, slow down" about the server, not about this recipient. */
const THROTTLING_CODES = new Set([421, 454]);

export function classifySmtpError(error: unknown): SmtpVerdict {
  const e = (error ?? {}) as SmtpErrorLike;
  const reply = (e.response ?? e.message ?? String(error)).slice(0, 500);
  const code = e.responseCode;
  if (typeof code === 'number' && code >= 500 && code !== 503) return { kind: 'permanent', reply };
  if (typeof code === 'number' && code >= 400) return { kind: 'temporary', reply, slowDown: THROTTLING_CODES.has(code) || code === 503 };
  const command = (e.command ?? '').toUpperCase();
  const afterData = command === 'DATA' || command.startsWith('DATA') || command === 'MESSAGE';
  return { kind: 'connection', reply: `${e.code ?? 'ERROR'} ${reply}`.trim(), afterData };
}

/**
 * Exponential backoff with full jitter in [0.5, 1.5): retries of a whole edition that failed
 * together (a greylisting server) spread out instead of arriving in one burst. Capped at 6 hours.
 */
export function retryDelayMs(attempt: number, baseSeconds: number, random: () => number = Math.random): number {
  const exponential = baseSeconds * 1000 * 2 ** Math.max(0, attempt - 1);
  return Math.min(exponential, 6 * 3600_000) * (0.5 + random());
}
