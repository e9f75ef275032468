import { isAboutRecipient, parseEnhancedStatus } from '../mail/smtp-outcome.ts';

/**
 * A bounce without multipart/report (older Postfix and Exim setups, qmail's "failure notice"):
 * free text. It counts only when it is unambiguous: exactly one recipient address, and a
 * permanent status about a recipient (5.1.1 and the like) on its line or the few lines after it.
 * Anything less clear is no report at all: a missed bounce costs a retry, a wrong one a reader.
 */
export interface PlainBounce {
  recipient: string;
  status: string;
  diagnostic: string;
}

const ADDRESS = /<?([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,63})>?/g;
const STATUS = /\b([45]\.\d{1,3}\.\d{1,3})\b/;
/** How many lines after the address the status may come (Exim puts it two lines below). */
const STATUS_WINDOW = 3;

export function readPlainBounce(text: string): PlainBounce | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  // Only the part before the returned message: its headers name us and the recipient again.
  const end = lines.findIndex((l) => /^(-{2,}.*(original message|returned message|headers)|Return-Path:|Received:)/i.test(l.trim()));
  const body = end >= 0 ? lines.slice(0, end) : lines;
  // Every address followed by a status; a soft or non-recipient status for any of them makes the whole mail unclear.
  const found = new Map<string, PlainBounce & { isHard: boolean }>();
  body.forEach((line, i) => {
    for (const match of line.matchAll(ADDRESS)) {
      const recipient = match[1]!;
      const window = body.slice(i, i + STATUS_WINDOW + 1).join(' ');
      const status = STATUS.exec(window.slice(window.indexOf(recipient) + recipient.length))?.[1];
      const code = status ? parseEnhancedStatus(status) : undefined;
      if (!status || !code) continue;
      const isHard = code.klass === 5 && isAboutRecipient(code) && found.get(recipient.toLowerCase())?.isHard !== false;
      found.set(recipient.toLowerCase(), { recipient, status, diagnostic: window.replace(/\s+/g, ' ').trim().slice(0, 500), isHard });
    }
  });
  const [only, ...others] = found.values();
  if (!only || others.length > 0 || !only.isHard) return undefined;
  return { recipient: only.recipient, status: only.status, diagnostic: only.diagnostic };
}
