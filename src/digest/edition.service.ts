import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Article } from '../articles/article.ts';
import type { Frequency } from '../config/config.schema.ts';
import type { Database } from '../store/database.ts';
import { readOrInitSiteState } from '../store/site-state.repository.ts';
import { findEditionByPeriod, insertEdition, insertEditionDeliveries, listArticlesForInstant, listArticlesNewForFrequency, type Edition } from './edition.repository.ts';

/**
 * Creating editions. Pure database work (no templates, no SMTP, no timers), so the scheduler,
 * the CLI and tests call the same functions. An edition and all its delivery rows are written
 * in one transaction: either the whole audience is queued or nobody is.
 */
export interface CreatedEdition {
  edition: Edition;
  articles: Article[];
  /** Delivery rows written (confirmed subscribers of the frequency at creation time). */
  recipients: number;
  /** False when the edition already existed (then `articles` is empty and `recipients` 0). */
  created: boolean;
}

/**
 * The daily or weekly edition for [periodStart, periodEnd): the articles published in it that no
 * earlier edition of this frequency carried. Null when there is nothing new (nothing is sent).
 * Idempotent: the period key is the period end, so a second call for the same period (a
 * catch-up after a restart, a second instance) returns the edition already made.
 */
export async function createDueEdition(db: Kysely<Database>, frequency: Exclude<Frequency, 'instant'>, periodStart: Date, periodEnd: Date, now: Date): Promise<CreatedEdition | null> {
  const until = periodEnd < now ? periodEnd : now;
  return createEdition(db, { frequency, periodKey: periodEnd.toISOString(), periodStart, periodEnd, now }, (tx) => listArticlesNewForFrequency(tx, frequency, periodStart, until));
}

/** Articles dated more than this before they were ingested are archive imports, not news: no instant mail. */
const INSTANT_MAX_BACKDATE_MS = 48 * 3600_000;

/**
 * One instant edition per newly published article, keyed by the article id: an article is
 * mailed at most once to instant subscribers, and editing it later does not mail it again.
 * "Newly" means ingested after instant mailing first ran, so the articles already in seeds/
 * on a first start are not mailed to anyone.
 */
export async function createInstantEditions(db: Kysely<Database>, now: Date): Promise<CreatedEdition[]> {
  const since = new Date(await readOrInitSiteState(db, 'instant_editions_since', now.toISOString()));
  const articles = await listArticlesForInstant(db, { since, now, maxBackdateMs: INSTANT_MAX_BACKDATE_MS });
  const created: CreatedEdition[] = [];
  for (const article of articles) {
    const result = await createEdition(db, { frequency: 'instant', periodKey: article.id, periodStart: article.publishedAt, periodEnd: article.publishedAt, now }, async () => [article]);
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

async function createEdition(db: Kysely<Database>, spec: EditionSpec, articlesOf: (tx: Kysely<Database>) => Promise<Article[]>): Promise<CreatedEdition | null> {
  try {
    return await db.transaction().execute(async (tx) => {
      const existing = await findEditionByPeriod(tx, spec.frequency, spec.periodKey);
      if (existing) return { edition: existing, articles: [], recipients: 0, created: false };
      const articles = await articlesOf(tx);
      if (articles.length === 0) return null;
      const edition: Edition = { id: randomUUID(), frequency: spec.frequency, periodKey: spec.periodKey, periodStart: spec.periodStart, periodEnd: spec.periodEnd, createdAt: spec.now };
      await insertEdition(tx, edition, articles.map((a) => a.id));
      const recipients = await insertEditionDeliveries(tx, edition, spec.now);
      return { edition, articles, recipients, created: true };
    });
  } catch (error) {
    // Another instance created the same edition between our read and our insert: theirs stands.
    const existing = await findEditionByPeriod(db, spec.frequency, spec.periodKey);
    if (existing) return { edition: existing, articles: [], recipients: 0, created: false };
    throw error;
  }
}
