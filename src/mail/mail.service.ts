import type { Kysely } from 'kysely';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { noMetrics, type Metrics } from '../metrics/metrics.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Database } from '../store/database.ts';
import type { OutageLog } from '../store/outage-log.ts';
import type { DeliveryContext } from './delivery-context.ts';
import { createDeliveryWorker, type DeliveryWorker } from './delivery-worker.ts';
import { deliverPending, type DeliverOptions, type DeliverReport, type DeliveryDeps } from './delivery.service.ts';
import { createMailQueue } from './mail-queue.service.ts';
import type { MailQueue } from './mail-queue.ts';
import { createMailTransport, type MailTransport } from './mail-transport.ts';
import type { RenderedMail } from './mail-view.ts';
import { createMessageComposer } from './message-composer.ts';
import type { PersonalValues } from './placeholders.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { writeSendingPause } from './sending-pause.repository.ts';

/**
 * The outbox as the rest of Gazette sees it (built once in src/core.ts): queue a message, wake
 * the worker, run a pass, send a test. What a delivery contains and who receives it come from
 * the DeliveryContext the composition root gives it.
 */
export interface MailService extends MailQueue {
  readonly transport: MailTransport;
  readonly worker: DeliveryWorker;
  /** One pass over the outbox (the scheduler and the CLI call this; the worker loops on it). */
  deliverPending(options: DeliverOptions): Promise<DeliverReport>;
  /**
   * Sends one message straight through the transport (not the outbox): `gazette mail test`, and
   * the console's digest test. `subject: 'keep'` keeps the message's own subject, marked as a
   * test, so that the operator checks the subject subscribers will see; otherwise a fixed one.
   */
  sendTestMessage(to: string, mail: RenderedMail, personal: PersonalValues, options?: { subject?: 'keep' }): Promise<string>;
  /**
   * Stops the worker, then closes the transport: rows not yet handed to SMTP go back to the
   * queue at once; SMTP transactions still running at `abortSendsAt` are ended and released.
   */
  close(abortSendsAt?: Date): Promise<void>;
}

export interface MailServiceDeps {
  db: Kysely<Database>;
  config: Config;
  log: Logger;
  clock: Clock;
  context: DeliveryContext;
  /** Where the delivery worker reports a database outage (one line as it starts, one as it ends). */
  outages?: OutageLog;
  /** Signs the VERP envelope senders; required when mail.bounceDomain is set. */
  signer?: LinkSigner;
  /** Deliveries by outcome, send and SMTP durations (none recorded without it). */
  metrics?: Metrics;
}

export function createMailService(deps: MailServiceDeps): MailService {
  const { db, config, clock } = deps;
  const transport = createMailTransport(config);
  const composer = createMessageComposer(config, deps.signer);
  const deliveryDeps: DeliveryDeps = {
    db,
    config,
    log: deps.log,
    clock,
    transport,
    composer,
    limiter: createRateLimiter(config.mail.rateLimit),
    context: deps.context,
    metrics: deps.metrics ?? noMetrics,
  };
  const deliver = (options: DeliverOptions): Promise<DeliverReport> => deliverPending(deliveryDeps, options);
  const worker = createDeliveryWorker({
    deliver,
    log: deps.log,
    outages: deps.outages,
    now: () => clock.now(),
    recordPause: (pause) => writeSendingPause(db, pause),
  });
  const queue = createMailQueue({ clock, kick: () => worker.kick() });

  return {
    ...queue,
    transport,
    worker,
    deliverPending: deliver,
    async sendTestMessage(to, mail, personal, options = {}) {
      const sentAt = clock.now();
      const template = await composer.templateFor(`test:${sentAt.getTime()}`, async () => ({
        ...mail,
        subject: options.subject === 'keep' ? `[Test] ${mail.subject}` : `Test message from ${config.site.title}`,
        category: 'test',
      }));
      const raw = template.render({
        to,
        messageId: composer.messageId(`test:${to}:${sentAt.toISOString()}`),
        date: sentAt,
        values: personal,
      });
      try {
        return await transport.send({ from: composer.envelopeFrom, to }, raw, `test-${sentAt.getTime()}`);
      } catch (error) {
        throw new GazetteError('MailTransportFailed', `The test message to ${to} was not accepted: ${(error as Error).message}`);
      }
    },
    async close(abortSendsAt) {
      await worker.stop(abortSendsAt);
      transport.close();
    },
  };
}
