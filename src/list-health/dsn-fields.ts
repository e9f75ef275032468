import { isAboutRecipient, isMailboxFull, parseEnhancedStatus } from '../mail/smtp-outcome.ts';
import type { ReportKind } from './delivery-report.ts';

/**
 * The field blocks of a message/delivery-status (RFC 3464) or message/feedback-report (RFC 5965)
 * part: header-like "Name: value" lines, folded lines joined, blocks separated by a blank line.
 * Names are lower-cased; the first occurrence of a field in a block wins.
 */
export type FieldBlock = ReadonlyMap<string, string>;

export function readFieldBlocks(text: string): FieldBlock[] {
  const blocks: FieldBlock[] = [];
  for (const chunk of text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    const unfolded = chunk.replace(/\n[ \t]+/g, ' ');
    for (const line of unfolded.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
    }
    if (fields.size > 0) blocks.push(fields);
  }
  return blocks;
}

/** "rfc822; Someone@Example.com" → "Someone@Example.com" (address-type fields of RFC 3464 and 5965). */
export function addressField(value: string | undefined): string | null {
  if (!value) return null;
  const bare = value
    .slice(value.indexOf(';') + 1)
    .trim()
    .replace(/^<|>$/g, '');
  return bare.includes('@') ? bare : null;
}

/**
 * What one recipient block of a DSN means for the list. `failed` with a permanent status about
 * the recipient (the same table as a 5xx during the send: smtp-outcome.ts) is a hard bounce;
 * 4.x.x, mailbox full (x.2.2) and `delayed` are soft; a permanent failure that is not about the
 * recipient (5.7.1 content or policy, 5.3.x the receiving system) bounces nobody: null.
 */
export function kindOfRecipientBlock(action: string, status: string | null): ReportKind | null {
  const a = action.toLowerCase();
  if (a === 'delivered' || a === 'relayed' || a === 'expanded') return 'delivered';
  if (a === 'delayed') return 'soft-bounce';
  if (a !== 'failed') return null;
  const code = status ? parseEnhancedStatus(status) : undefined;
  if (!code) return null;
  if (code.klass === 4 || isMailboxFull(code)) return 'soft-bounce';
  return code.klass === 5 && isAboutRecipient(code) ? 'hard-bounce' : null;
}

/** The status in a Status field ("5.1.1 (user unknown)" → "5.1.1"), or null. */
export function statusField(value: string | undefined): string | null {
  return /^\s*([245]\.\d{1,3}\.\d{1,3})\b/.exec(value ?? '')?.[1] ?? null;
}
