import { isGazetteError } from '../shared/errors.ts';
import { unsubscribe, type SelfServiceDeps, type UnsubscribeOutcome } from '../subscribers/self-service.service.ts';

/**
 * Mail sent to the `List-Unsubscribe: mailto:` address (mail.unsubscribeMailto). Every message
 * advertises `mailto:<address>?subject=unsubscribe%20<token>`, the token being the subscriber's
 * signed manage token (subscribers/subscriber-links.ts), so a mail client's one-click sends
 * "unsubscribe <token>" as the subject. The token is the credential, exactly as in the HTTPS
 * link: the sender's From is not trusted (it is easily forged, and a forwarding address may
 * differ from the subscribed one).
 */
export interface UnsubscribeMail {
  /** The decoded Subject (mailparser's `subject`), undefined if there was none. */
  subject: string | undefined;
}

export type UnsubscribeMailResult = { applied: UnsubscribeOutcome } | { ignored: string };

// "unsubscribe <token>", as the mailto writes it; a reply prefix ("Re:", "Fwd:") is tolerated,
// because some clients open the mailto as a reply. Tokens are base64url/UUID characters and one dot.
const UNSUBSCRIBE_SUBJECT = /^\s*(?:(?:re|fwd?|aw|wg)\s*:\s*)*unsubscribe\s+([A-Za-z0-9_.-]{1,200})\s*$/i;

/** The token in the subject of an unsubscribe mail, or undefined if the subject is not one. Pure. */
export function readUnsubscribeSubject(subject: string | undefined): string | undefined {
  return subject === undefined ? undefined : (UNSUBSCRIBE_SUBJECT.exec(subject)?.[1] ?? undefined);
}

/**
 * Turns one mail from the unsubscribe mailbox into an unsubscribe (idempotent: a mail read twice
 * unsubscribes once). A mail that is not an unsubscribe request (an auto-reply, a bounce, a
 * person writing) or carries a forged token is ignored, with the reason, and changes nothing.
 */
export async function applyUnsubscribeMail(deps: SelfServiceDeps, mail: UnsubscribeMail): Promise<UnsubscribeMailResult> {
  const token = readUnsubscribeSubject(mail.subject);
  if (!token) return { ignored: 'the subject is not "unsubscribe <token>"' };
  try {
    return { applied: await unsubscribe(deps, token) };
  } catch (error) {
    if (isGazetteError(error) && error.code === 'InvalidToken') return { ignored: 'the token is not one of ours' };
    throw error;
  }
}
