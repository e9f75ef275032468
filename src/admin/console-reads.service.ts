import { listAllArticles } from '../articles/article.repository.ts';
import type { Article, ArticleProblem } from '../articles/article.ts';
import { readLastIngest, type LastIngest } from '../articles/ingest-record.ts';
import { listSeedFiles } from '../articles/seed-file.repository.ts';
import { findEdition, type Edition } from '../editions/edition.repository.ts';
import { listReportsOfSubscriber } from '../list-health/delivery-report.repository.ts';
import { findOldestPendingDelivery, listDeliveriesOfRecipient, type RecipientDelivery } from '../mail/outbox.repository.ts';
import type { ServiceStatus } from '../scheduler/service-status.ts';
import type { Clock } from '../shared/clock.ts';
import type { Db } from '../store/database.ts';
import { listSubscriberEvents, type SubscriberEvent } from '../subscribers/subscriber-event.repository.ts';
import { countSubscribersByDay } from '../subscribers/subscriber.repository.ts';
import { listAuditEntries, type AuditEntry } from './audit-log.repository.ts';

/**
 * What the console shows that no other way in asks for: a subscriber's whole history, the
 * list's activity by day, the queue's oldest message, articles by state. Reads only, each
 * through the repository that owns its table.
 */
export interface ConsoleReads {
  /** The last `days` UTC days, oldest first, each with its sign-ups, confirmations, unsubscribes and bounces. */
  activity(days: number): Promise<ActivityDay[]>;
  queue(): Promise<QueueState>;
  lastIngest(): Promise<{ last: LastIngest | undefined; problems: ArticleProblem[] }>;
  subscriberHistory(subscriberId: string): Promise<SubscriberHistory>;
  articles(): Promise<ArticlesByState>;
}

export interface ActivityDay {
  day: string;
  signUps: number;
  confirmations: number;
  unsubscribes: number;
  bounces: number;
}

export interface QueueState {
  status: ServiceStatus;
  oldest: Awaited<ReturnType<typeof findOldestPendingDelivery>>;
}

export interface SubscriberHistory {
  deliveries: (RecipientDelivery & { edition: Edition | null })[];
  events: SubscriberEvent[];
  reports: Awaited<ReturnType<typeof listReportsOfSubscriber>>;
  changes: AuditEntry[];
}

export interface ArticlesByState {
  total: number;
  published: Article[];
  embargoed: Article[];
  /** Articles whose seed file was removed: gone from the site and the feeds. */
  unpublished: Article[];
  /** Seed files that did not publish (or whose last version did not), with every problem. */
  seedProblems: { path: string; checkedAt: Date; problems: ArticleProblem[] }[];
}

export interface ConsoleReadsDeps {
  db: Db;
  clock: Clock;
  /** The scheduler's jobs and the delivery queue, as /healthz reads them (scheduler/service-status.ts). */
  serviceStatus(): Promise<ServiceStatus>;
}

const DAY_MS = 86_400_000;
/** The console lists this many articles; a site with more sees the newest and the count. */
const ARTICLE_LIMIT = 1000;

export function createConsoleReads(deps: ConsoleReadsDeps): ConsoleReads {
  const { db } = deps;
  return {
    async activity(days) {
      const today = Date.parse(deps.clock.now().toISOString().slice(0, 10));
      const since = new Date(today - (days - 1) * DAY_MS);
      const [signUps, confirmations, unsubscribes, bounces] = await Promise.all([
        countSubscribersByDay(db, 'created_at', since),
        countSubscribersByDay(db, 'confirmed_at', since),
        countSubscribersByDay(db, 'unsubscribed_at', since),
        countSubscribersByDay(db, 'bounced_at', since),
      ]);
      return Array.from({ length: days }, (_, i) => {
        const day = new Date(since.getTime() + i * DAY_MS).toISOString().slice(0, 10);
        return {
          day,
          signUps: signUps.get(day) ?? 0,
          confirmations: confirmations.get(day) ?? 0,
          unsubscribes: unsubscribes.get(day) ?? 0,
          bounces: bounces.get(day) ?? 0,
        };
      });
    },

    async queue() {
      const [status, oldest] = await Promise.all([deps.serviceStatus(), findOldestPendingDelivery(db)]);
      return { status, oldest };
    },

    async lastIngest() {
      const [last, files] = await Promise.all([readLastIngest(db), listSeedFiles(db)]);
      return { last, problems: files.flatMap((f) => f.problems) };
    },

    async subscriberHistory(subscriberId) {
      const [deliveries, events, reports, changes] = await Promise.all([
        listDeliveriesOfRecipient(db, subscriberId, 200),
        listSubscriberEvents(db, subscriberId),
        listReportsOfSubscriber(db, subscriberId, 200),
        listAuditEntries(db, { limit: 100, offset: 0, target: { kind: 'subscriber', id: subscriberId } }),
      ]);
      const editionIds = [...new Set(deliveries.flatMap((d) => (d.editionId ? [d.editionId] : [])))];
      const editions = new Map((await Promise.all(editionIds.map((id) => findEdition(db, id)))).flatMap((e) => (e ? [[e.id, e]] : [])));
      return {
        deliveries: deliveries.map((d) => ({ ...d, edition: (d.editionId && editions.get(d.editionId)) || null })),
        events,
        reports,
        changes: changes.items,
      };
    },

    async articles() {
      const now = deps.clock.now();
      const [{ total, articles }, files] = await Promise.all([listAllArticles(db, ARTICLE_LIMIT), listSeedFiles(db)]);
      return {
        total,
        published: articles.filter((a) => !a.deletedAt && a.publishedAt <= now),
        embargoed: articles.filter((a) => !a.deletedAt && a.publishedAt > now).reverse(),
        unpublished: articles.filter((a) => a.deletedAt),
        seedProblems: files
          .filter((f) => f.problems.length > 0)
          .map((f) => ({ path: f.path, checkedAt: f.checkedAt, problems: f.problems })),
      };
    },
  };
}
