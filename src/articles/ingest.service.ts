import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database, Db } from '../store/database.ts';
import { writeSiteState } from '../store/site-state.repository.ts';
import { formatProblem, type ArticleProblem } from './article.ts';
import { insertArticles, listLiveArticleOwners, markArticlesDeleted, updateArticle } from './article.repository.ts';
import { deleteSeedFiles, listSeedFiles, saveSeedFiles, type SeedFileRecord } from './seed-file.repository.ts';
import { hasEverIngested, writeLastIngest } from './ingest-record.ts';
import { listSeedFileEntries, type SeedFileEntry } from './list-seed-files.ts';
import { planSeedChanges, publishedChangesOf, readPlanFile, type SeedPlan, type StoredArticle } from './plan-seed-changes.ts';
import { readSeedFile, type SeedArticle } from './read-seed-file.ts';
import { sortSeedFiles, type PendingRead } from './sort-seed-files.ts';

export interface IngestDeps {
  db: Kysely<Database>;
  seedsDir: string;
  timeZone: string;
  clock: Clock;
  log: Logger;
}

export interface IngestOptions {
  /** A file modified less than this long ago may still be being written: it waits for the next scan. */
  minFileAgeMs?: number;
  /**
   * The service's start-up scan. On a store that has never ingested (a first start, a fresh
   * clone whose files are all seconds old) every file is read as it is, so the site is not empty
   * for the first quiet period; on any later start a file still being written waits like in any
   * scan, so a restart in the middle of a slow write does not publish half of it.
   */
  atStart?: boolean;
}

export interface IngestReport {
  startedAt: Date;
  durationMs: number;
  scanned: number;
  /** Files whose bytes were read this time (new or changed fingerprints). */
  read: number;
  added: string[];
  updated: string[];
  removed: string[];
  /** Files too recently modified to trust; picked up by the next scan. */
  deferred: string[];
  /** Every current problem of every seed file, not only of the files read this time. */
  problems: ArticleProblem[];
  /** True when anything readers see may have changed. */
  changed: boolean;
}

export const ARTICLES_VERSION_KEY = 'articles_version';

/**
 * Brings the store in line with the seeds directory: new files become articles, edited files
 * update theirs, deleted files unpublish theirs. Incremental: a file whose size and mtime are
 * unchanged is not read. A bad file is reported and skipped; it never stops the others, and an
 * article whose file turns bad keeps its last good version until the file is fixed. Every
 * decision is the pure plan's (plan-seed-changes.ts, which `gazette check` applies too); this
 * function lists, reads, and writes what the plan says.
 */
export async function ingestSeeds(deps: IngestDeps, options: IngestOptions = {}): Promise<IngestReport> {
  const startedAt = deps.clock.now();
  const wallStart = performance.now();
  const entries = await listSeedFileEntries(deps.seedsDir);
  const known = new Map((await listSeedFiles(deps.db)).map((r) => [r.path, r]));
  const sorted = await sortSeedFiles(entries, known, deps.clock, await quietPeriodOf(deps.db, options));
  const candidates = await readCandidates(sorted.toRead, deps.timeZone, startedAt);

  const owners = await listLiveArticleOwners(deps.db);
  const plan = planSeedChanges([...sorted.unread, ...candidates.map((c) => readPlanFile(c.record.path, c.record.slug, c.article))], owners);
  const records = seedFileRecordsAfter(plan, candidates);
  logPlanNotices(deps, plan, owners);
  const changes = publishedChangesOf(plan);
  await applyPlan(deps.db, { plan, records, gone: goneFiles(known, entries), changed: changes.changed }, deps.clock.now());

  const problems = [...sorted.unreadRecords, ...records].flatMap((r) => r.problems).sort(byFileAndLine);
  const durationMs = Math.round(performance.now() - wallStart);
  const { added, updated, removed, changed } = changes;
  const report: IngestReport = {
    startedAt,
    durationMs,
    scanned: entries.length,
    read: candidates.length,
    added,
    updated,
    removed,
    deferred: sorted.deferred,
    problems,
    changed,
  };
  await writeLastIngest(deps.db, { at: startedAt, durationMs, scanned: report.scanned, problems: problems.length });
  logReport(deps.log, report, records);
  return report;
}

/**
 * How long a file must have been left alone to be read. On a store that has never ingested, the
 * start-up scan reads every file as it is (see `IngestOptions.atStart`).
 */
async function quietPeriodOf(db: Db, options: IngestOptions): Promise<number> {
  const neverIngested = options.atStart === true && !(await hasEverIngested(db));
  return neverIngested ? 0 : (options.minFileAgeMs ?? 0);
}

/** A file read this scan: its new record (slug still the previous one) and its article if its text is valid. */
interface Candidate {
  record: SeedFileRecord;
  article?: SeedArticle;
}

/** Reads in batches of 64 files at once, so the disk (or the threadpool) is never idle while a file is parsed. */
async function readCandidates(pending: readonly PendingRead[], timeZone: string, checkedAt: Date): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (let i = 0; i < pending.length; i += 64) {
    const batch = pending.slice(i, i + 64);
    candidates.push(...(await Promise.all(batch.map((p) => readCandidate(p, timeZone, checkedAt)))));
  }
  return candidates;
}

async function readCandidate({ entry, fingerprint, previous }: PendingRead, timeZone: string, checkedAt: Date): Promise<Candidate> {
  const { contentHash, problems, article } = await readSeedFile(entry, timeZone);
  const record: SeedFileRecord = { path: entry.path, fingerprint, checkedAt, slug: previous?.slug ?? null, contentHash, problems };
  return article ? { record, article } : { record };
}

/** The records of the files read, as the plan leaves them: the slug each holds now, or the slug contest it lost. */
function seedFileRecordsAfter(plan: SeedPlan<SeedArticle>, candidates: readonly Candidate[]): SeedFileRecord[] {
  const rejections = new Map(plan.rejected.map((p) => [p.file, p]));
  return candidates.map(({ record }) => {
    const rejection = rejections.get(record.path);
    return rejection ? { ...record, slug: null, problems: [rejection] } : { ...record, slug: plan.slugOf.get(record.path) ?? null };
  });
}

/** Files the store knew that the directory no longer lists. */
function goneFiles(known: ReadonlyMap<string, SeedFileRecord>, entries: readonly SeedFileEntry[]): string[] {
  const present = new Set(entries.map((e) => e.path));
  return [...known.keys()].filter((p) => !present.has(p));
}

interface PlanWrite {
  plan: SeedPlan<SeedArticle>;
  records: readonly SeedFileRecord[];
  gone: readonly string[];
  changed: boolean;
}

/** One transaction: readers see the whole scan or none of it. */
async function applyPlan(db: Kysely<Database>, { plan, records, gone, changed }: PlanWrite, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // `updatedAt` moves only with the text; an edited or restored article takes a new feed place.
    for (const u of plan.update) await updateArticle(trx, u.article, u.textChanged ? now : null, u.textChanged || u.restored);
    await insertArticles(
      trx,
      plan.add.map((article) => ({ id: randomUUID(), article })),
      now,
    );
    await saveSeedFiles(trx, records);
    await deleteSeedFiles(trx, gone);
    await markArticlesDeleted(trx, plan.remove, now);
    if (changed) await writeSiteState(trx, ARTICLES_VERSION_KEY, `${now.getTime()}-${randomUUID()}`);
  });
}

function logPlanNotices(deps: IngestDeps, plan: SeedPlan<SeedArticle>, owners: readonly StoredArticle[]): void {
  if (plan.heldBack) {
    const published = owners.filter((o) => !o.deleted).length;
    deps.log.error(
      { seedsDir: deps.seedsDir, published },
      `${deps.seedsDir} holds no article files: the ${published} published articles stay published (empty or unmounted directory?)`,
    );
  }
  if (plan.removalsPostponed.length > 0)
    deps.log.info(
      { slugs: plan.removalsPostponed },
      'a file being written names the slug of a removed file (a rename): the article stays published until the next scan',
    );
}

function byFileAndLine(a: ArticleProblem, b: ArticleProblem): number {
  return a.file.localeCompare(b.file) || a.line - b.line;
}

function logReport(log: Logger, report: IngestReport, records: readonly SeedFileRecord[]): void {
  for (const r of records) for (const p of r.problems) log.warn({ file: p.file, line: p.line, code: p.code }, formatProblem(p));
  const { added, updated, removed, deferred, scanned, read, durationMs } = report;
  const summary = {
    scanned,
    read,
    added: added.length,
    updated: updated.length,
    removed: removed.length,
    deferred: deferred.length,
    problems: report.problems.length,
    durationMs,
  };
  if (report.changed || records.length > 0) log.info(summary, 'ingest finished');
  else log.debug(summary, 'ingest finished, nothing changed');
}
