import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database.ts';
import { writeSiteState } from '../store/site-state.repository.ts';
import { insertArticles, updateArticle } from './article.repository.ts';
import { publishedChangesOf, readPlanFile, type SeedPlanner } from './plan-seed-changes.ts';
import { readSeedFile, type SeedArticle } from './read-seed-file.ts';
import { saveSeedFiles, type SeedFileRecord } from './seed-file.repository.ts';
import type { PendingRead } from './sort-seed-files.ts';

/**
 * One batch of an ingest: read and parse its files, plan them after the batches before, and
 * write their articles and their seed-file records in one transaction. Nothing of the batch is
 * kept afterwards but its slugs and problems, so an ingest's memory does not grow with the
 * number of files. A crash loses at most the batch in flight: its files' records are not
 * written either, so the next scan reads them again.
 */

export const ARTICLES_VERSION_KEY = 'articles_version';

/** A file read this scan: its new record (slug still the previous one) and its article if its text is valid. */
export interface Candidate {
  pending: PendingRead;
  record: SeedFileRecord;
  article?: SeedArticle;
}

export interface BatchOutcome {
  added: string[];
  updated: string[];
  records: SeedFileRecord[];
  changed: boolean;
}

/** Reads 64 files at once, so the disk (or the threadpool) is never idle while a file is parsed. */
export async function readCandidates(pending: readonly PendingRead[], timeZone: string, checkedAt: Date): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (let i = 0; i < pending.length; i += 64) {
    const slice = pending.slice(i, i + 64);
    candidates.push(...(await Promise.all(slice.map((p) => readCandidate(p, timeZone, checkedAt)))));
  }
  return candidates;
}

async function readCandidate(pending: PendingRead, timeZone: string, checkedAt: Date): Promise<Candidate> {
  const { entry, fingerprint, previous } = pending;
  const { contentHash, problems, article } = await readSeedFile(entry, timeZone);
  const record: SeedFileRecord = { path: entry.path, fingerprint, checkedAt, slug: previous?.slug ?? null, contentHash, problems };
  return article ? { pending, record, article } : { pending, record };
}

/** Plans `candidates` after the batches before them and writes them; readers see the whole batch or none of it. */
export async function writeIngestBatch(
  db: Kysely<Database>,
  planner: SeedPlanner<SeedArticle>,
  candidates: readonly Candidate[],
  now: Date,
): Promise<BatchOutcome> {
  const plan = planner.planBatch(candidates.map((c) => readPlanFile(c.record.path, c.record.slug, c.article)));
  const rejections = new Map(plan.rejected.map((p) => [p.file, p]));
  // The records as the plan leaves them: the slug each holds now, or the slug contest it lost.
  const records = candidates.map(({ record }): SeedFileRecord => {
    const rejection = rejections.get(record.path);
    return rejection ? { ...record, slug: null, problems: [rejection] } : { ...record, slug: plan.slugOf.get(record.path) ?? null };
  });
  const { added, updated, changed } = publishedChangesOf({ ...plan, remove: [] });
  await db.transaction().execute(async (trx) => {
    // `updatedAt` moves only with the text; an edited or restored article takes a new feed place.
    for (const u of plan.update) await updateArticle(trx, u.article, u.textChanged ? now : null, u.textChanged || u.restored);
    await insertArticles(
      trx,
      plan.add.map((article) => ({ id: randomUUID(), article })),
      now,
    );
    await saveSeedFiles(trx, records);
    // Every batch that changes what readers see says so at once: another process (the server
    // beside a `gazette ingest`) re-renders its feeds even if this ingest dies before its end.
    if (changed) await writeSiteState(trx, ARTICLES_VERSION_KEY, articlesVersion(now));
  });
  return { added, updated, records, changed };
}

export function articlesVersion(now: Date): string {
  return `${now.getTime()}-${randomUUID()}`;
}
