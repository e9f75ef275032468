import type { Config } from '../config/config.schema.ts';
import { checkBounceBreaker } from '../editions/bounce-breaker.service.ts';
import { renderEditionMail } from '../editions/editions.service.ts';
import { resetSoftBouncesOnAcceptance } from '../list-health/delivery-report.repository.ts';
import type { DeliveryContext } from '../mail/delivery-context.ts';
import type { MailTemplates } from '../mail/mail-templates.ts';
import type { Clock } from '../shared/clock.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Logger } from '../shared/logger.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.ts';
import { recordSubscriberBounce } from '../subscribers/subscriber-bounce.ts';
import { loadTransactionalContent, personalValuesOf, renderTransactional, transactionalCacheKey } from '../subscribers/subscriber-mail.ts';
import { findRecipient, type Recipient } from '../subscribers/subscriber.repository.ts';

export interface DeliveryContextDeps {
  db: Kysely<Database>;
  config: Config;
  clock: Clock;
  log: Logger;
  signer: LinkSigner;
  templates: MailTemplates;
}

/**
 * Who may receive each kind of mail: a confirmation goes to a pending address, everything else
 * (editions, the welcome, a manage link) to a confirmed one. A manage link asked for by an
 * address that unsubscribed or bounced since is not sent.
 */
function skipReason(kind: string, recipient: Recipient | undefined): string | undefined {
  const eligible = recipient && (kind === 'confirmation' ? recipient.status === 'pending' : recipient.status === 'confirmed');
  return eligible ? undefined : `not sent: subscriber is ${recipient?.status ?? 'deleted'}`;
}

/**
 * The outbox's questions answered by the capabilities that own the answers: subscribers say who
 * receives a delivery and with which links; editions and subscribers render what it contains; a
 * hard bounce marks the subscriber and may trip the edition's bounce circuit breaker.
 */
export function createDeliveryContext(deps: DeliveryContextDeps): DeliveryContext {
  const { db, config } = deps;
  return {
    async prepare(delivery) {
      const recipient = await findRecipient(db, delivery.recipientId);
      const skip = skipReason(delivery.kind, recipient);
      if (skip || !recipient) return { skip: skip ?? 'not sent: subscriber is deleted' };
      const personal = personalValuesOf(config, deps.signer, recipient, delivery.params);
      if (delivery.kind === 'edition' && delivery.editionId) {
        const editionId = delivery.editionId;
        return {
          to: recipient.email,
          personal,
          content: { key: `edition:${editionId}`, render: () => renderEditionMail(deps, editionId) },
        };
      }
      const kind = delivery.kind === 'welcome' || delivery.kind === 'manage' ? delivery.kind : 'confirmation';
      const content = await loadTransactionalContent(db, deps.clock.now(), kind, recipient.frequency);
      return {
        to: recipient.email,
        personal,
        content: { key: transactionalCacheKey(content), render: () => renderTransactional(deps.templates, config, content) },
      };
    },
    onHardBounce: (tx, bounce) => recordSubscriberBounce(tx, bounce),
    // Soft bounces count afresh once a later message was accepted (list-health/README.md).
    async afterAccepted(accepted) {
      await resetSoftBouncesOnAcceptance(
        db,
        accepted.map(({ delivery, at }) => ({
          deliveryId: delivery.id,
          subscriberId: delivery.recipientId,
          editionId: delivery.editionId,
          at,
        })),
      );
    },
    async afterHardBounce(bounce) {
      const breaker = await checkBounceBreaker({ db, settings: config.mail.bounceBreaker, log: deps.log }, bounce.editionId, bounce.at);
      return { holdEdition: breaker.tripped };
    },
  };
}
