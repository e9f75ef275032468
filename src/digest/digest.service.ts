import type { Kysely } from 'kysely';
import type { Config, Frequency } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Database, DeliveryStatus } from '../store/database.ts';
import type { MailTemplates } from '../mail/mail-templates.ts';
import type { RenderedMail } from '../mail/mail-view.ts';
import { fillHtml, fillText, type PersonalValues } from '../mail/placeholders.ts';
import { findEditionPause } from '../mail/edition-pause.repository.ts';
import type { Article } from '../articles/article.ts';
import { countDeliveriesByStatus, findEdition, findLatestEdition, listEditionArticles, listEditions, listUndelivered, requeueFailed, type Edition, type UndeliveredRecipient } from './edition.repository.ts';
import { listMailableArticles } from './edition.service.ts';
import { readMailingStart } from './mailing-start.ts';
import { renderEdition } from './render-edition.ts';

/**
 * Everything operators do with editions (preview, status, report, resend to failed), shared by
 * the CLI and the admin API. Creating editions lives in edition.service.ts.
 */
/** What the CLI and the admin API say when the next digest would have nothing in it. */
export function nothingToSend(frequency: Exclude<Frequency, 'instant'>): string {
  return `Nothing new for the ${frequency} digest: no edition would be sent.`;
}

export interface EditionReport {
  edition: Edition;
  articles: { id: string; slug: string; title: string }[];
  counts: Record<DeliveryStatus, number>;
  total: number;
  /** Failed and bounced recipients with their last SMTP reply (the first 1,000). */
  undelivered: UndeliveredRecipient[];
  /** Set while the bounce circuit breaker holds the edition (its queued rows wait for an operator's resume). */
  stopped: { pausedAt: Date; reason: string } | null;
}

export interface DigestPreview {
  frequency: Frequency;
  periodStart: Date;
  periodEnd: Date;
  articles: number;
  subject: string;
  html: string;
  text: string;
}

export interface DigestService {
  /** The mail of an existing edition, rendered once (the delivery engine caches it). */
  renderEditionMail(editionId: string): Promise<RenderedMail>;
  /** Where the next daily or weekly edition would start: the end of the last one, or the mailing start. */
  nextPeriodStart(frequency: Exclude<Frequency, 'instant'>, now: Date): Promise<Date>;
  /** The articles an edition of `frequency` made now would carry, newest first (the same rule as the real one). */
  listNextEditionArticles(frequency: Exclude<Frequency, 'instant'>, now: Date): Promise<Article[]>;
  /** What the next edition would look like now, for a sample reader; null if nothing is new. */
  previewNext(frequency: Exclude<Frequency, 'instant'>): Promise<DigestPreview | null>;
  reportEdition(editionId: string): Promise<EditionReport>;
  /** Re-queues the edition's failed deliveries (never sent, bounced or skipped ones). */
  resendFailed(editionId: string): Promise<{ requeued: number }>;
  listEditionReports(limit: number): Promise<EditionReport[]>;
}

export function createDigestService(deps: { db: Kysely<Database>; config: Config; clock: Clock; templates: MailTemplates }): DigestService {
  const { db, config, clock, templates } = deps;

  const mustFind = async (editionId: string): Promise<Edition> => {
    const edition = await findEdition(db, editionId);
    if (!edition) throw new GazetteError('EditionNotFound', `No edition has the id "${editionId}". \`gazette digest status\` lists them.`);
    return edition;
  };

  const service: DigestService = {
    async renderEditionMail(editionId) {
      const edition = await mustFind(editionId);
      const articles = await listEditionArticles(db, editionId);
      return renderEdition(templates, config, { frequency: edition.frequency, periodEnd: edition.periodEnd, articles });
    },
    async nextPeriodStart(frequency, now) {
      const latest = await findLatestEdition(db, frequency);
      return latest?.periodEnd ?? (await readMailingStart(db));
    },
    async listNextEditionArticles(frequency, now) {
      return listMailableArticles(db, frequency, await readMailingStart(db), now);
    },
    async previewNext(frequency) {
      const now = clock.now();
      const periodStart = await service.nextPeriodStart(frequency, now);
      const articles = await service.listNextEditionArticles(frequency, now);
      if (articles.length === 0) return null;
      const mail = await renderEdition(templates, config, { frequency, periodEnd: now, articles });
      const sample: PersonalValues = { greeting: 'Hello Reader,', unsubscribeUrl: `${config.site.baseUrl}/unsubscribe/preview`, preferencesUrl: `${config.site.baseUrl}/preferences/preview`, confirmUrl: '' };
      return { frequency, periodStart, periodEnd: now, articles: articles.length, subject: mail.subject, html: fillHtml(mail.html, sample), text: fillText(mail.text, sample) };
    },
    async reportEdition(editionId) {
      const edition = await mustFind(editionId);
      const [articles, counts, undelivered, pause] = await Promise.all([listEditionArticles(db, editionId), countDeliveriesByStatus(db, editionId), listUndelivered(db, editionId, 1000), findEditionPause(db, editionId)]);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const stopped = pause && !pause.resumedAt ? { pausedAt: pause.pausedAt, reason: pause.reason } : null;
      return { edition, articles: articles.map((a) => ({ id: a.id, slug: a.slug, title: a.title })), counts, total, undelivered, stopped };
    },
    async resendFailed(editionId) {
      await mustFind(editionId);
      return { requeued: await requeueFailed(db, editionId, clock.now()) };
    },
    async listEditionReports(limit) {
      const editions = await listEditions(db, { limit });
      return Promise.all(editions.map((e) => service.reportEdition(e.id)));
    },
  };
  return service;
}
