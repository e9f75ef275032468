import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import type { NormalizedEmail } from './validate-email.ts';

/** The maintained list, loaded on first use (about 170 KB of JSON) and kept for the process. */
let blocklist: Set<string> | undefined;

/** Is the address at a disposable-mail domain, or a subdomain of one (`x.mailinator.com`)? */
export function isDisposableDomain(email: NormalizedEmail): boolean {
  blocklist ??= disposableEmailBlocklistSet();
  const labels = email.email.slice(email.email.lastIndexOf('@') + 1).split('.');
  for (let i = 0; i < labels.length - 1; i++) if (blocklist.has(labels.slice(i).join('.'))) return true;
  return false;
}
