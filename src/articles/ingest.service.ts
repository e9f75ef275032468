import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database, Db } from '../store/database.ts';
import { writeSiteState } from '../store/site-state.repository.ts';
import { formatProblem, type ArticleProblem } from './article.ts';
import { listLiveArticleOwners, markArticlesDeleted } from './article.repository.ts';
import { deleteSeedFiles, listSeedFiles, type SeedFileRecord } from './seed-file.repository.ts';
import { hasEverIngested, writeLastIngest } from './ingest-record.ts';
import { ARTICLES_VERSION_KEY, articlesVersion, readCandidates, writeIngestBatch, type Candidate } from './ingest-batch.ts';
import { listSeedFileEntries, type SeedFileEntry } from './list-seed-files.ts';
import { createSeedPlanner, type RemovalPlan, type SeedPlanner, type StoredArticle } from './plan-seed-changes.ts';
import type { SeedArticle } from './read-seed-file.ts';
import { sortSeedFiles, type PendingRead } from './sort-seed-files.ts';

export { ARTICLES_VERSION_KEY } from './ingest-batch.ts';

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

/** Files read, planned and written together: bounds the ingest's memory whatever the directory holds. */
export const INGEST_BATCH_FILES = 500;

/**
 * Brings the store in line with the seeds directory: new files become articles, edited files
 * update theirs, deleted files unpublish theirs. Incremental: a file whose size and mtime are
 * unchanged is not read. A bad file is reported and skipped; it never stops the others, and an
 * article whose file turns bad keeps its last good version until the file is fixed. Every
 * decision is the pure plan's (plan-seed-changes.ts, which `gazette check` applies too); this
 * function lists, reads, and writes what the plan says.
 *
 * Streamed: the files to read are read, planned and written in batches of
 * `INGEST_BATCH_FILES`, one transaction each (ingest-batch.ts), and released; removals come
 * last, once every file has claimed its slug. A crash leaves whole batches written, each with
 * its files' records, so the next scan reads only what was not written and completes the rest.
 */
export async function ingestSeeds(deps: IngestDeps, options: IngestOptions = {}): Promise<IngestReport> {
  const startedAt = deps.clock.now();
  const wallStart = performance.now();
  const entries = await listSeedFileEntries(deps.seedsDir);
  const known = new Map((await listSeedFiles(deps.db)).map((r) => [r.path, r]));
  const sorted = await sortSeedFiles(entries, known, deps.clock, await quietPeriodOf(deps.db, options));
  const gone = goneFiles(known, entries);
  known.clear();
  const owners = await listLiveArticleOwners(deps.db);
  const planner = createSeedPlanner<SeedArticle>(owners, sorted.unread);

  const progress: Progress = { read: 0, added: [], updated: [], problems: [], changed: false };
  await readAndWrite(deps, planner, { toRead: sorted.toRead, owners, startedAt }, progress);
  const removal = planner.finish(entries.length);
  logPlanNotices(deps, removal, owners);
  await removeGone(deps.db, { gone, removal }, deps.clock.now());
  if (removal.remove.length > 0) progress.changed = true;

  const problems = [...sorted.unreadRecords.flatMap((r) => r.problems), ...progress.problems].sort(byFileAndLine);
  const durationMs = Math.round(performance.now() - wallStart);
  const report: IngestReport = {
    startedAt,
    durationMs,
    scanned: entries.length,
    read: progress.read,
    added: progress.added,
    updated: progress.updated,
    removed: removal.remove,
    deferred: sorted.deferred,
    problems,
    changed: progress.changed,
  };
  await writeLastIngest(deps.db, { at: startedAt, durationMs, scanned: report.scanned, problems: problems.length });
  logReport(deps.log, report);
  return report;
}

interface Progress {
  read: number;
  added: string[];
  updated: string[];
  /** Problems of the files read (the unread files' are in their stored records). */
  problems: ArticleProblem[];
  changed: boolean;
}

/**
 * Reads and writes the files to read in batches. Files that publish an article today go first,
 * newcomers after them in path order: so a file keeps its slug over a newcomer in an earlier
 * batch, and among newcomers the first path wins, as one plan over every file would decide. A
 * file that publishes one slug and now names another is a newcomer to that slug: it is read
 * again among the newcomers (rare: a slug edited in place).
 */
async function readAndWrite(
  deps: IngestDeps,
  planner: SeedPlanner<SeedArticle>,
  scan: { toRead: readonly PendingRead[]; owners: readonly StoredArticle[]; startedAt: Date },
  progress: Progress,
): Promise<void> {
  const published = new Map(scan.owners.filter((o) => !o.deleted).map((o) => [o.sourceFile, o.slug]));
  const publishers = scan.toRead.filter((p) => published.has(p.entry.path));
  const newcomers = scan.toRead.filter((p) => !published.has(p.entry.path));
  // One time for the whole scan, as when the scan was one transaction: every article it adds is
  // first ingested at the same moment (editions and the mailing start compare with it).
  const now = deps.clock.now();
  const renamed: PendingRead[] = [];
  for (let i = 0; i < publishers.length; i += INGEST_BATCH_FILES) {
    const candidates = await readCandidates(publishers.slice(i, i + INGEST_BATCH_FILES), deps.timeZone, scan.startedAt);
    const staying: Candidate[] = [];
    for (const c of candidates) {
      if (c.article && c.article.slug !== published.get(c.record.path)) renamed.push(c.pending);
      else staying.push(c);
    }
    await writeBatch(deps, planner, staying, now, progress);
  }
  const rest = renamed.length === 0 ? newcomers : [...newcomers, ...renamed].sort(byEntryPath);
  for (let i = 0; i < rest.length; i += INGEST_BATCH_FILES) {
    const candidates = await readCandidates(rest.slice(i, i + INGEST_BATCH_FILES), deps.timeZone, scan.startedAt);
    await writeBatch(deps, planner, candidates, now, progress);
  }
}

async function writeBatch(
  deps: IngestDeps,
  planner: SeedPlanner<SeedArticle>,
  candidates: readonly Candidate[],
  now: Date,
  progress: Progress,
): Promise<void> {
  if (candidates.length === 0) return;
  const outcome = await writeIngestBatch(deps.db, planner, candidates, now);
  progress.read += candidates.length;
  progress.added.push(...outcome.added);
  progress.updated.push(...outcome.updated);
  progress.changed ||= outcome.changed;
  for (const r of outcome.records)
    for (const p of r.problems) {
      progress.problems.push(p);
      deps.log.warn({ file: p.file, line: p.line, code: p.code }, formatProblem(p));
    }
  deps.log.debug({ files: candidates.length, read: progress.read, added: outcome.added.length }, 'ingest batch written');
}

function byEntryPath(a: PendingRead, b: PendingRead): number {
  return a.entry.path < b.entry.path ? -1 : a.entry.path > b.entry.path ? 1 : 0;
}

/**
 * How long a file must have been left alone to be read. On a store that has never ingested, the
 * start-up scan reads every file as it is (see `IngestOptions.atStart`).
 */
async function quietPeriodOf(db: Db, options: IngestOptions): Promise<number> {
  const neverIngested = options.atStart === true && !(await hasEverIngested(db));
  return neverIngested ? 0 : (options.minFileAgeMs ?? 0);
}

/** Files the store knew that the directory no longer lists. */
function goneFiles(known: ReadonlyMap<string, SeedFileRecord>, entries: readonly SeedFileEntry[]): string[] {
  const present = new Set(entries.map((e) => e.path));
  return [...known.keys()].filter((p) => !present.has(p));
}

/** The last transaction of a scan: records of files gone, and articles no file claims any more. */
async function removeGone(
  db: Kysely<Database>,
  { gone, removal }: { gone: readonly string[]; removal: RemovalPlan },
  now: Date,
): Promise<void> {
  if (gone.length === 0 && removal.remove.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await deleteSeedFiles(trx, gone);
    await markArticlesDeleted(trx, removal.remove, now);
    if (removal.remove.length > 0) await writeSiteState(trx, ARTICLES_VERSION_KEY, articlesVersion(now));
  });
}

function logPlanNotices(deps: IngestDeps, plan: RemovalPlan, owners: readonly StoredArticle[]): void {
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

function logReport(log: Logger, report: IngestReport): void {
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
  if (report.changed || read > 0) log.info(summary, 'ingest finished');
  else log.debug(summary, 'ingest finished, nothing changed');
}
