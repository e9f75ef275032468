import { domainToASCII } from 'node:url';

/**
 * Address and name checks shared by the subscribe form, the API, CSV import and the CLI.
 * They return a reason (a sentence saying what to fix) instead of throwing: an import reports
 * every bad row, a form shows the message next to the field.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface NormalizedEmail {
  /** As given, trimmed, with the domain lower-cased (and in its ASCII form). */
  email: string;
  /** The unique key; equal to `email` (local parts are case-sensitive by RFC 5321). */
  key: string;
}

export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 100;

// C0 and C1 controls, DEL, and the invisible direction overrides used to disguise text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
// RFC 5322 atext, as a dot-atom: the quoted-string form is not accepted (mail providers refuse it too).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const EXAMPLE = 'an address such as name@example.com';

export function normalizeEmail(input: string): Checked<NormalizedEmail> {
  // Checked before trimming: a trailing CR/LF is exactly what a header injection looks like.
  if (CONTROL.test(input))
    return { ok: false, reason: `The address contains a line break or another control character; enter ${EXAMPLE}.` };
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, reason: `The address is empty; enter ${EXAMPLE}.` };
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1)
    return { ok: false, reason: `"${trimmed.slice(0, 60)}" is not an email address; enter ${EXAMPLE}.` };
  const local = trimmed.slice(0, at);
  if (local.length > 64) return { ok: false, reason: 'The part before the @ is longer than 64 characters.' };
  if (!LOCAL_PART.test(local)) {
    return {
      ok: false,
      reason:
        "The part before the @ may hold only letters, digits, dots (not two in a row, not first or last) and ! # $ % & ' * + - / = ? ^ _ ` { | } ~.",
    };
  }
  const domain = asciiDomain(trimmed.slice(at + 1));
  if (!domain) return { ok: false, reason: `The part after the @ is not a domain name; enter ${EXAMPLE}.` };
  const email = `${local}@${domain}`;
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, reason: `The address is longer than ${MAX_EMAIL_LENGTH} characters.` };
  return { ok: true, value: { email, key: email } };
}

/** The domain lower-cased in its ASCII (punycode) form, or undefined if it is not a public host name. */
function asciiDomain(raw: string): string | undefined {
  if (raw.length > 253 || raw.startsWith('[')) return undefined;
  const ascii = domainToASCII(raw.toLowerCase());
  if (!ascii) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return undefined;
  const tld = labels[labels.length - 1]!;
  return /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld) ? ascii : undefined;
}

/**
 * A display name: optional (empty means none), trimmed, bounded, no control characters, and no
 * angle brackets: a name travels into the To header, where "Name <other@address>" would spoof
 * a recipient, and into pages, where it is escaped anyway.
 */
export function normalizeName(input: string | null | undefined): Checked<string | null> {
  if (input === undefined || input === null) return { ok: true, value: null };
  if (CONTROL.test(input))
    return { ok: false, reason: 'The name contains a line break or another control character; write it on one line.' };
  const trimmed = input.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return { ok: true, value: null };
  if (trimmed.length > MAX_NAME_LENGTH) return { ok: false, reason: `The name is longer than ${MAX_NAME_LENGTH} characters; shorten it.` };
  if (/[<>]/.test(trimmed)) return { ok: false, reason: 'The name may not contain < or >; write it as plain text.' };
  return { ok: true, value: trimmed };
}
