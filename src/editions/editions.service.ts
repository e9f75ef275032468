import type { Kysely } from 'kysely';
import { findArticlesByIds } from '../articles/article.repository.ts';
import type { Article } from '../articles/article.ts';
import type { Config } from '../config/config.schema.ts';
import type { MailTemplates } from '../mail/mail-templates.ts';
import type { RenderedMail } from '../mail/mail-view.ts';
import { countDeliveriesByStatus, listUndeliveredOfEdition, requeueFailedOfEdition } from '../mail/outbox.repository.ts';
import { fillHtml, fillText, type PersonalValues } from '../mail/placeholders.ts';
import type { Clock } from '../shared/clock.ts';
import { createCronSchedule } from '../shared/cron-schedule.ts';
import { GazetteError } from '../shared/errors.ts';
import type { DigestFrequency, Frequency } from '../shared/frequency.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Database, DeliveryStatus } from '../store/database.ts';
import { countAudience, findEmailsByIds } from '../subscribers/subscriber.repository.ts';
import { createDueEditions, type DueEditionsOptions } from './due-editions.ts';
import { findEditionPause, pauseEdition } from './edition-pause.repository.ts';
import { countEditionEventsByKind } from '../subscribers/subscriber-event.repository.ts';
import { findLatestEdition, listEditionArticleIds, listEditions, type Edition } from './edition.repository.ts';
import { createDueEdition, createInstantEditions, listMailableArticles, type CreatedEdition } from './edition.service.ts';
import { readMailingStart } from './mailing-start.ts';
import { renderEdition } from './render-edition.ts';
import { requireEdition } from './require-edition.ts';
import { restoreBounced, resumeStoppedEdition, type RestoreRequest, type RestoreResult } from './restore-bounced.service.ts';

/**
 * Everything done with editions, by the scheduler, the CLI and the admin API alike: make them
 * (on schedule, or now), render their mail, preview the next one, report on them, resend to
 * failed recipients, undo wrong bounces. Making an edition queues its deliveries and wakes the
 * outbox.
 */
export interface EditionService {
  /** Instant editions for every mailable article visible now. */
  createInstant(now: Date): Promise<CreatedEdition[]>;
  /** The digest editions due by `now` on the frequency's schedule, missed ones included (due-editions.ts). */
  createDue(frequency: DigestFrequency, now: Date, options?: DueEditionsOptions): Promise<CreatedEdition[]>;
  /** Makes the next edition of `frequency` now, off schedule; with `dryRun`, only says what it would carry and to how many. */
  sendNow(request: SendNowRequest): Promise<SendNowResult>;
  /** The mail of an existing edition, rendered once (the outbox caches it). */
  renderMail(editionId: string): Promise<RenderedMail>;
  /** The next edition's mail as it would be rendered now, personal parts still open; null if nothing is new. */
  renderNext(frequency: DigestFrequency): Promise<RenderedMail | null>;
  /** What the next edition would look like now, for a sample reader; null if nothing is new. */
  previewNext(frequency: DigestFrequency): Promise<DigestPreview | null>;
  report(editionId: string): Promise<EditionReport>;
  listReports(limit: number): Promise<EditionReport[]>;
  /** The latest `limit` editions' delivery counts and list health, newest first, without the recipient lists (for /healthz). */
  listSummaries(limit: number): Promise<EditionSummary[]>;
  /** Re-queues the edition's failed deliveries (never sent, bounced or skipped ones). */
  resendFailed(editionId: string): Promise<{ requeued: number }>;
  /** Returns subscribers wrongly bounced (by one edition or one reply) to `confirmed` and queues their mail again. */
  restoreBounced(request: RestoreRequest): Promise<RestoreResult>;
  /** Lets an edition the bounce circuit breaker stopped send again. */
  resume(editionId: string, actor: string): Promise<{ resumed: boolean }>;
  /** Holds an edition's queued deliveries (as the bounce circuit breaker does) until `resume`; false if it was already held. */
  pause(editionId: string, actor: string): Promise<{ paused: boolean }>;
}

export interface SendNowRequest {
  frequency: Frequency;
  dryRun?: boolean;
}

export type SendNowResult =
  | { dryRun: true; frequency: DigestFrequency; articles: Article[]; audience: number }
  /** `editions` is empty when nothing is new: nothing is sent. */
  | { dryRun: false; frequency: Frequency; editions: CreatedEdition[] };

/** An edition's deliveries by state and its list health: the part of a report every view shows. */
export interface EditionSummary {
  edition: Edition;
  counts: Record<DeliveryStatus, number>;
  total: number;
  /** Set while the bounce circuit breaker holds the edition (its queued rows wait for an operator's resume). */
  stopped: { pausedAt: Date; reason: string } | null;
  /** Recipients who bounced (during the send or by a later report), soft-bounced or complained, and their share of `total`. */
  health: EditionHealth;
}

export interface EditionReport extends EditionSummary {
  articles: { id: string; slug: string; title: string }[];
  /** Failed and bounced recipients with their last SMTP reply (the first 1,000). */
  undelivered: UndeliveredRecipient[];
}

export interface EditionHealth {
  hardBounces: number;
  softBounces: number;
  complaints: number;
  hardBounceRate: number;
  softBounceRate: number;
  complaintRate: number;
}

export interface UndeliveredRecipient {
  subscriberId: string;
  /** Null when the subscriber was deleted since. */
  email: string | null;
  status: 'failed' | 'bounced';
  attempts: number;
  lastReply: string | null;
  nextAttemptAt: Date | null;
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

/** The personal values of a preview or a test: a sample reader whose links lead nowhere. */
export function samplePersonalValues(config: Config): PersonalValues {
  return {
    greeting: 'Hello Reader,',
    unsubscribeUrl: `${config.site.baseUrl}/unsubscribe/preview`,
    preferencesUrl: `${config.site.baseUrl}/preferences/preview`,
    confirmUrl: '',
  };
}

/** What the CLI and the admin API say when the next digest would have nothing in it. */
export function nothingToSend(frequency: Frequency): string {
  return frequency === 'instant'
    ? 'Nothing new for instant subscribers: no edition would be sent.'
    : `Nothing new for the ${frequency} digest: no edition would be sent.`;
}

async function listArticlesOfEdition(db: Kysely<Database>, editionId: string): Promise<Article[]> {
  return findArticlesByIds(db, await listEditionArticleIds(db, editionId));
}

/** The mail of an existing edition, rendered once per edition (the outbox caches it by edition). */
export async function renderEditionMail(
  deps: Pick<EditionServiceDeps, 'db' | 'config' | 'templates'>,
  editionId: string,
): Promise<RenderedMail> {
  const edition = await requireEdition(deps.db, editionId);
  return renderEdition(deps.templates, deps.config, {
    frequency: edition.frequency,
    periodEnd: edition.periodEnd,
    articles: await listArticlesOfEdition(deps.db, editionId),
  });
}

export interface EditionServiceDeps {
  db: Kysely<Database>;
  config: Config;
  clock: Clock;
  log: Logger;
  templates: MailTemplates;
  /** Wakes the outbox after deliveries were queued. */
  kickDelivery(): void;
  /** Counts the editions made (none recorded without it). */
  metrics?: Metrics;
}

export function createEditionService(deps: EditionServiceDeps): EditionService {
  const { db, config, clock, templates } = deps;
  const schedules = {
    daily: createCronSchedule(config.scheduler.daily, config.site.timezone),
    weekly: createCronSchedule(config.scheduler.weekly, config.site.timezone),
  };
  const bounceAdmin = { db, clock, log: deps.log };

  const queued = (editions: CreatedEdition[]): CreatedEdition[] => {
    if (editions.some((e) => e.created)) deps.kickDelivery();
    for (const made of editions) if (made.created) deps.metrics?.countEditions(made.edition.frequency, 1);
    return editions;
  };
  /** Where the next daily or weekly edition starts: the end of the last one, or the mailing start. */
  const nextPeriodStart = async (frequency: DigestFrequency): Promise<Date> =>
    (await findLatestEdition(db, frequency))?.periodEnd ?? (await readMailingStart(db));
  const nextEditionArticles = async (frequency: DigestFrequency, now: Date): Promise<Article[]> =>
    listMailableArticles(db, frequency, await readMailingStart(db), now);
  const articlesOf = (editionId: string): Promise<Article[]> => listArticlesOfEdition(db, editionId);

  const service: EditionService = {
    createInstant: async (now) => queued(await createInstantEditions(db, now)),
    createDue: async (frequency, now, options) => queued(await createDueEditions(db, frequency, schedules[frequency], now, options)),
    async sendNow({ frequency, dryRun }) {
      const now = clock.now();
      if (dryRun) {
        if (frequency === 'instant') throw new GazetteError('InvalidArgument', 'A dry run works with the daily or weekly frequency.');
        return {
          dryRun: true,
          frequency,
          articles: await nextEditionArticles(frequency, now),
          audience: await countAudience(db, frequency),
        };
      }
      if (frequency === 'instant') return { dryRun: false, frequency, editions: await service.createInstant(now) };
      const edition = await createDueEdition(db, frequency, await nextPeriodStart(frequency), now, now);
      return { dryRun: false, frequency, editions: queued(edition?.created ? [edition] : []) };
    },
    renderMail: (editionId) => renderEditionMail(deps, editionId),
    async renderNext(frequency) {
      const articles = await nextEditionArticles(frequency, clock.now());
      return articles.length === 0 ? null : renderEdition(templates, config, { frequency, periodEnd: clock.now(), articles });
    },
    async previewNext(frequency) {
      const now = clock.now();
      const periodStart = await nextPeriodStart(frequency);
      const articles = await nextEditionArticles(frequency, now);
      if (articles.length === 0) return null;
      const mail = await renderEdition(templates, config, { frequency, periodEnd: now, articles });
      const sample = samplePersonalValues(config);
      return {
        frequency,
        periodStart,
        periodEnd: now,
        articles: articles.length,
        subject: mail.subject,
        html: fillHtml(mail.html, sample),
        text: fillText(mail.text, sample),
      };
    },
    async report(editionId) {
      const edition = await requireEdition(db, editionId);
      const [summary, articles, undelivered] = await Promise.all([summarize(edition), articlesOf(editionId), listUndelivered(editionId)]);
      return { ...summary, articles: articles.map((a) => ({ id: a.id, slug: a.slug, title: a.title })), undelivered };
    },
    async listReports(limit) {
      const editions = await listEditions(db, { limit });
      return Promise.all(editions.map((e) => service.report(e.id)));
    },
    async listSummaries(limit) {
      return Promise.all((await listEditions(db, { limit })).map(summarize));
    },
    async resendFailed(editionId) {
      await requireEdition(db, editionId);
      const requeued = await requeueFailedOfEdition(db, editionId, clock.now());
      if (requeued > 0) deps.kickDelivery();
      return { requeued };
    },
    restoreBounced: (request) => restoreBounced(bounceAdmin, request),
    resume: (editionId, actor) => resumeStoppedEdition(bounceAdmin, editionId, actor),
    async pause(editionId, actor) {
      await requireEdition(db, editionId);
      const held = await findEditionPause(db, editionId);
      if (held && !held.resumedAt) return { paused: false };
      await pauseEdition(db, editionId, `paused by ${actor}`, clock.now());
      deps.log.warn({ edition: editionId, actor }, 'edition paused by an operator');
      return { paused: true };
    },
  };

  /** The counts every report starts with (`gazette digest status`, the admin API, /healthz): one implementation. */
  async function summarize(edition: Edition): Promise<EditionSummary> {
    const [counts, pause, events] = await Promise.all([
      countDeliveriesByStatus(db, edition.id),
      findEditionPause(db, edition.id),
      countEditionEventsByKind(db, edition.id),
    ]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const stopped = pause && !pause.resumedAt ? { pausedAt: pause.pausedAt, reason: pause.reason } : null;
    return { edition, counts, total, stopped, health: healthOf(events, total) };
  }

  /** Failed, then bounced, each by address; the first 1,000. */
  async function listUndelivered(editionId: string): Promise<UndeliveredRecipient[]> {
    const rows = await listUndeliveredOfEdition(db, editionId, 1000);
    const emails = await findEmailsByIds(
      db,
      rows.map((r) => r.recipientId),
    );
    const undelivered = rows.map(({ recipientId, ...row }) => ({
      subscriberId: recipientId,
      email: emails.get(recipientId) ?? null,
      ...row,
    }));
    return undelivered.sort((a, b) => a.status.localeCompare(b.status) || (a.email ?? '').localeCompare(b.email ?? ''));
  }

  return service;
}

/** Each count as a share of the recipients, rounded to 0.01 %: the unit of the providers' thresholds (0.3 % complaints). */
function healthOf(events: Partial<Record<'bounced' | 'soft-bounced' | 'complained', number>>, total: number): EditionHealth {
  const rate = (n: number): number => (total > 0 ? Math.round((n / total) * 10_000) / 10_000 : 0);
  const hardBounces = events.bounced ?? 0;
  const softBounces = events['soft-bounced'] ?? 0;
  const complaints = events.complained ?? 0;
  return {
    hardBounces,
    softBounces,
    complaints,
    hardBounceRate: rate(hardBounces),
    softBounceRate: rate(softBounces),
    complaintRate: rate(complaints),
  };
}

/** An edition summary as plain JSON (dates as ISO strings), for /healthz. */
export function describeEditionSummary(s: EditionSummary): {
  id: string;
  frequency: Frequency;
  createdAt: string;
  total: number;
  counts: Record<DeliveryStatus, number>;
  stopped: boolean;
  health: EditionHealth;
} {
  return {
    id: s.edition.id,
    frequency: s.edition.frequency,
    createdAt: s.edition.createdAt.toISOString(),
    total: s.total,
    counts: s.counts,
    stopped: s.stopped !== null,
    health: s.health,
  };
}
