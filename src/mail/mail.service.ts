import type { Kysely } from 'kysely';
import { listPublishedArticles } from '../articles/article.repository.ts';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database } from '../store/database.ts';
import type { OutageLog } from '../store/outage-log.ts';
import { createDeliveryWorker, type DeliveryWorker } from './delivery-worker.ts';
import { deliverPending, type DeliverOptions, type DeliverReport, type DeliveryDeps } from './delivery.service.ts';
import { createMailQueue } from './mail-queue.service.ts';
import type { MailQueue } from './mail-queue.ts';
import { createMailTemplates, type MailTemplates } from './mail-templates.ts';
import { createMailTransport, type MailTransport } from './mail-transport.ts';
import type { RenderedMail } from './mail-view.ts';
import { createMessageComposer } from './message-composer.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { renderTransactional, transactionalCacheKey } from './render-transactional.ts';
import { restoreBounced, resumeStoppedEdition, type RestoreRequest, type RestoreResult } from './restore-bounced.service.ts';
import { writeSendingPause } from './sending-pause.repository.ts';

/** The mail capability as the rest of Gazette sees it (built once in main.ts). */
export interface MailService extends MailQueue {
  readonly transport: MailTransport;
  readonly templates: MailTemplates;
  readonly worker: DeliveryWorker;
  /** One pass over the outbox (the scheduler and the CLI call this; the worker loops on it). */
  deliverPending(options: DeliverOptions): Promise<DeliverReport>;
  /** Sends a sample message straight through the transport (not the outbox): `gazette mail test`. */
  sendTestMessage(to: string): Promise<string>;
  /** Returns subscribers wrongly bounced (by one edition or one reply) to `confirmed` and queues their mail again. */
  restoreBounced(request: RestoreRequest): Promise<RestoreResult>;
  /** Lets an edition the bounce circuit breaker stopped send again. */
  resumeEdition(editionId: string, actor: string): Promise<{ resumed: boolean }>;
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
  signer: LinkSigner;
  /** Renders an edition's mail (digest or instant); provided by digest/, which owns editions. */
  renderEdition(editionId: string): Promise<RenderedMail>;
  /** Where the delivery worker reports a database outage (one line as it starts, one as it ends). */
  outages?: OutageLog;
}

const WELCOME_ARTICLES = 5;

export function createMailService(deps: MailServiceDeps): MailService {
  const { db, config, clock } = deps;
  const transport = createMailTransport(config);
  const templates = createMailTemplates(config.paths.templatesDir);
  const composer = createMessageComposer(config, deps.signer);
  const latestArticles = () => listPublishedArticles(db, { now: clock.now(), limit: WELCOME_ARTICLES });

  const deliveryDeps: DeliveryDeps = {
    db,
    config,
    log: deps.log,
    clock,
    transport,
    composer,
    limiter: createRateLimiter(config.mail.rateLimit),
    async templateOf(delivery, recipient) {
      if (delivery.kind === 'edition' && delivery.editionId) {
        const editionId = delivery.editionId;
        return composer.templateFor(`edition:${editionId}`, () => deps.renderEdition(editionId));
      }
      const kind = delivery.kind === 'welcome' ? 'welcome' : 'confirmation';
      const content = { kind, frequency: recipient.frequency, latest: kind === 'welcome' ? await latestArticles() : [] } as const;
      return composer.templateFor(transactionalCacheKey(content), () => renderTransactional(templates, config, content));
    },
  };
  const deliver = (options: DeliverOptions): Promise<DeliverReport> => deliverPending(deliveryDeps, options);
  const worker = createDeliveryWorker({ deliver, log: deps.log, outages: deps.outages, now: () => clock.now(), recordPause: (pause) => writeSendingPause(db, pause) });
  const bounceAdmin = { db, clock, log: deps.log };
  const queue = createMailQueue({ clock, kick: () => worker.kick() });

  return {
    ...queue,
    transport,
    templates,
    worker,
    deliverPending: deliver,
    async sendTestMessage(to) {
      const mail = await renderTransactional(templates, config, { kind: 'welcome', frequency: config.subscriptions.defaultFrequency, latest: await latestArticles() });
      const template = composer.templateFor(`test:${Date.now()}`, async () => ({ ...mail, subject: `Test message from ${config.site.title}`, category: 'test' }));
      const raw = (await template).render({
        to,
        messageId: composer.messageId(`test:${to}:${clock.now().toISOString()}`),
        date: clock.now(),
        values: composer.personalValues({ id: 'test', name: null }, {}),
      });
      try {
        return await transport.send({ from: composer.envelopeFrom, to }, raw, `test-${clock.now().getTime()}`);
      } catch (error) {
        throw new GazetteError('MailTransportFailed', `The test message to ${to} was not accepted: ${(error as Error).message}`);
      }
    },
    restoreBounced: (request) => restoreBounced(bounceAdmin, request),
    resumeEdition: (editionId, actor) => resumeStoppedEdition(bounceAdmin, editionId, actor),
    async close(abortSendsAt) {
      await worker.stop(abortSendsAt);
      transport.close();
    },
  };
}
