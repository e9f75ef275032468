import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Db } from '../store/database.ts';
import { findConfirmation, type Confirmation } from './confirmation.repository.ts';
import { findSubscriberById } from './subscriber.repository.ts';
import type { Subscriber } from './subscriber.ts';
import { readConfirmationToken } from './subscriber-links.ts';

export function confirmationUsedError(): GazetteError {
  return new GazetteError(
    'TokenUsed',
    'This confirmation link has already been used. If you confirmed, you are subscribed; otherwise subscribe again to get a new link.',
  );
}

/**
 * The confirmation behind a link, if the link is authentic, unused and unexpired.
 * Otherwise an error that says which of the three it is, so the page can say so.
 */
export async function loadOpenConfirmation(
  deps: { signer: LinkSigner; clock: Clock },
  db: Db,
  token: string,
): Promise<{ confirmation: Confirmation; subscriber: Subscriber }> {
  const id = readConfirmationToken(deps.signer, token);
  if (!id)
    throw new GazetteError(
      'InvalidToken',
      'This confirmation link is not valid. Check that the whole link was copied from the mail, or subscribe again.',
    );
  const confirmation = await findConfirmation(db, id);
  const subscriber = confirmation && (await findSubscriberById(db, confirmation.subscriberId));
  // An authentic link whose confirmation is gone: the subscriber deleted their data since.
  if (!confirmation || !subscriber)
    throw new GazetteError('TokenUsed', 'This confirmation link is no longer valid. Subscribe again to get a new link.');
  if (confirmation.usedAt) throw confirmationUsedError();
  if (confirmation.expiresAt.getTime() <= deps.clock.now().getTime()) {
    throw new GazetteError('TokenExpired', 'This confirmation link has expired. Subscribe again to get a new link.');
  }
  return { confirmation, subscriber };
}
