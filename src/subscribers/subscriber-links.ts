import type { LinkSigner } from '../shared/link-signer.ts';

/**
 * The links a subscriber's mail carries. Unsubscribe and preferences links never expire
 * (CAN-SPAM asks for 30 days at least; a reader may find an old digest years later).
 * Routes that answer them live in http/; this file only knows their shape.
 */
export interface SubscriberLinks {
  unsubscribeUrl: string;
  preferencesUrl: string;
}

export function subscriberLinks(baseUrl: string, signer: LinkSigner, subscriberId: string): SubscriberLinks {
  const token = signer.sign('manage', subscriberId);
  return { unsubscribeUrl: `${baseUrl}/unsubscribe/${token}`, preferencesUrl: `${baseUrl}/preferences/${token}` };
}

/** The subscriber id inside an unsubscribe or preferences token, or undefined if the token is not ours. */
export function readManageToken(signer: LinkSigner, token: string): string | undefined {
  return signer.verify('manage', token);
}

/** Confirmation links carry the id of a stored, expiring, single-use confirmation row, signed. */
export function confirmationUrl(baseUrl: string, signer: LinkSigner, confirmationId: string): string {
  return `${baseUrl}/confirm/${signer.sign('confirm', confirmationId)}`;
}

export function readConfirmationToken(signer: LinkSigner, token: string): string | undefined {
  return signer.verify('confirm', token);
}
