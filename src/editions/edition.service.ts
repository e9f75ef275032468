import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { listArticlesVisibleBetween } from '../articles/article.repository.ts';
import type { Article } from '../articles/article.ts';
import { enqueueEditionDeliveries } from '../mail/outbox.repository.ts';
import type { DigestFrequency, Frequency } from '../shared/frequency.ts';
import type { Database, Db } from '../store/database.ts';
import { selectAudienceIds } from '../subscribers/subscriber.repository.ts';
import { findEditionByPeriod, insertEdition, selectMailedArticleIds, type Edition } from './edition.repository.ts';
import { isArchiveImport } from './mail-eligibility.ts';
import { markMailingStart, readMailingStart } from './mailing-start.ts';

/**
 * Creating editions. Pure database work (no templates, no SMTP, no timers), so the scheduler,
 * the CLI and tests call the same functions. An edition and all its delivery rows are written
 * in one transaction: either the whole audience is queued or nobody is.
 *
 * The rule, for every frequency: an article goes in the next edition of the frequency made after
 * it became visible (mail-eligibility.ts), whatever its date and whenever its file arrived, and in
 * no later one (the database refuses an article twice per frequency). Articles present before
 * mailing began (mailing-start.ts) and archive imports go in none.
 */
export interface CreatedEdition {
  edition: Edition;
  articles: Article[];
  /** Delivery rows written (confirmed subscribers of the frequency at creation time). */
  recipients: number;
  /** False when the edition already existed (then `articles` is empty and `recipients` 0). */
  created: boolean;
}

/** Articles that the next edition of `frequency` would carry if it were made with visibility bound `until`, newest first. */
export async function listMailableArticles(db: Db, frequency: Frequency, since: Date, until: Date): Promise<Article[]> {
  const articles = await listArticlesVisibleBetween(db, { since, until, excluding: selectMailedArticleIds(db, frequency) });
  return articles.filter((a) => !isArchiveImport(a));
}

/**
 * The daily or weekly edition for the schedule's firing at `periodEnd` (`periodStart` is the
 * firing before, kept for reports): every mailable article visible by `until` that no edition of
 * this frequency carried yet. `until` defaults to the firing itself (or `now` if earlier); the
 * scheduler passes a minute after the firing (due-editions.ts), so a file dropped just before the
 * firing is in it. Null when there is nothing (nothing is sent). Idempotent: the period key is
 * the period end, so a second call for the same firing (a catch-up after a restart, a second
 * instance) returns the edition already made.
 */
export async function createDueEdition(
  db: Kysely<Database>,
  frequency: DigestFrequency,
  periodStart: Date,
  periodEnd: Date,
  now: Date,
  until?: Date,
): Promise<CreatedEdition | null> {
  const since = await readMailingStart(db);
  const bound = until ?? (periodEnd < now ? periodEnd : now);
  return createEdition(db, { frequency, periodKey: periodEnd.toISOString(), periodStart, periodEnd, now }, (tx) =>
    listMailableArticles(tx, frequency, since, bound),
  );
}

/**
 * One instant edition per mailable article visible by `now`, keyed by the article id: an article
 * is mailed at most once to instant subscribers, and editing it later does not mail it again.
 */
export async function createInstantEditions(db: Kysely<Database>, now: Date): Promise<CreatedEdition[]> {
  const since = await markMailingStart(db, now);
  const articles = (await listMailableArticles(db, 'instant', since, now)).reverse();
  const created: CreatedEdition[] = [];
  for (const article of articles) {
    const result = await createEdition(
      db,
      { frequency: 'instant', periodKey: article.id, periodStart: article.publishedAt, periodEnd: article.publishedAt, now },
      async () => [article],
    );
    if (result?.created) created.push(result);
  }
  return created;
}

interface EditionSpec {
  frequency: Frequency;
  periodKey: string;
  periodStart: Date;
  periodEnd: Date;
  now: Date;
}

async function createEdition(
  db: Kysely<Database>,
  spec: EditionSpec,
  articlesOf: (tx: Kysely<Database>) => Promise<Article[]>,
): Promise<CreatedEdition | null> {
  try {
    return await db.transaction().execute(async (tx) => {
      const existing = await findEditionByPeriod(tx, spec.frequency, spec.periodKey);
      if (existing) return { edition: existing, articles: [], recipients: 0, created: false };
      const articles = await articlesOf(tx);
      if (articles.length === 0) return null;
      const edition: Edition = {
        id: randomUUID(),
        frequency: spec.frequency,
        periodKey: spec.periodKey,
        periodStart: spec.periodStart,
        periodEnd: spec.periodEnd,
        createdAt: spec.now,
      };
      await insertEdition(
        tx,
        edition,
        articles.map((a) => a.id),
      );
      const recipients = await enqueueEditionDeliveries(tx, edition.id, selectAudienceIds(tx, edition.frequency), spec.now);
      return { edition, articles, recipients, created: true };
    });
  } catch (error) {
    // Another instance created the same edition between our read and our insert: theirs stands.
    const existing = await findEditionByPeriod(db, spec.frequency, spec.periodKey);
    if (existing) return { edition: existing, articles: [], recipients: 0, created: false };
    throw error;
  }
}
