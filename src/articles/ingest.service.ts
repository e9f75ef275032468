import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database } from '../store/database.ts';
import { readSiteState, writeSiteState } from '../store/site-state.repository.ts';
import { formatProblem, type ArticleProblem } from './article.ts';
import {
  insertArticles,
  listLiveArticleOwners,
  listSeedFiles,
  markArticlesDeleted,
  saveSeedFiles,
  deleteSeedFiles,
  updateArticle,
  type ArticleWrite,
  type SeedFileRecord,
} from './article.repository.ts';
import { listSeedFileEntries, type SeedFileEntry } from './list-seed-files.ts';
import { contentHashOf, parseArticleFile, peekSlug } from './parse-article-file.ts';
import { classifySeedFile, planSeedChanges, type PlanFile, type UnreadFile } from './plan-seed-changes.ts';

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
export const LAST_INGEST_KEY = 'last_ingest';

interface Candidate {
  entry: SeedFileEntry;
  record: SeedFileRecord;
  article?: ArticleWrite;
}

/**
 * Brings the store in line with the seeds directory: new files become articles, edited files
 * update theirs, deleted files unpublish theirs. Incremental: a file whose size and mtime are
 * unchanged is not read. A bad file is reported and skipped; it never stops the others, and an
 * article whose file turns bad keeps its last good version until the file is fixed.
 */
export async function ingestSeeds(deps: IngestDeps, options: IngestOptions = {}): Promise<IngestReport> {
  const startedAt = deps.clock.now();
  const wallStart = performance.now();
  const entries = await listSeedFileEntries(deps.seedsDir);
  const known = new Map((await listSeedFiles(deps.db)).map((r) => [r.path, r]));
  const neverIngested = options.atStart === true && (await readSiteState(deps.db, LAST_INGEST_KEY)) === undefined;
  const minAge = neverIngested ? 0 : (options.minFileAgeMs ?? 0);

  const keep: SeedFileRecord[] = [];
  const unread: UnreadFile[] = [];
  const deferred: string[] = [];
  const toRead: PendingRead[] = [];
  for (const entry of entries) {
    const fingerprint = `${entry.size}:${Math.trunc(entry.mtimeMs)}`;
    const previous = known.get(entry.path);
    const waitsOnOthers = previous?.problems.some((p) => p.code === 'DuplicateSlug') ?? false;
    // The file system writes mtime from the wall clock, which is what the service's clock is in
    // production; a test or a simulation that moves the clock moves the files' age with it.
    const kind = classifySeedFile({ fingerprint, ageMs: deps.clock.now().getTime() - entry.mtimeMs }, previous && { fingerprint: previous.fingerprint, waitsOnOthers }, minAge);
    if (previous && kind === 'kept') {
      keep.push(previous);
      unread.push({ kind: 'kept', path: entry.path, slug: previous.slug });
    } else if (kind === 'deferred') {
      deferred.push(entry.path);
      if (previous) keep.push(previous);
      unread.push({ kind: 'deferred', path: entry.path, slug: previous?.slug ?? null, peekedSlug: await peekSlugOf(entry) });
    } else {
      toRead.push({ entry, fingerprint, previous });
    }
  }
  const candidates = await readCandidates(toRead, deps, startedAt);

  const owners = await listLiveArticleOwners(deps.db);
  const plan = planSeedChanges([...unread, ...candidates.map(toPlanFile)], owners);
  for (const c of candidates) c.record = { ...c.record, slug: plan.slugOf.get(c.entry.path) ?? null };
  for (const problem of plan.rejected) {
    const c = candidates.find((x) => x.entry.path === problem.file)!;
    c.record = { ...c.record, slug: null, problems: [problem] };
  }
  if (plan.heldBack) {
    const published = owners.filter((o) => !o.deleted).length;
    deps.log.error({ seedsDir: deps.seedsDir, published }, `${deps.seedsDir} holds no article files: the ${published} published articles stay published (empty or unmounted directory?)`);
  }
  if (plan.removalsPostponed.length > 0) deps.log.info({ slugs: plan.removalsPostponed }, 'a file being written names the slug of a removed file (a rename): the article stays published until the next scan');

  const now = deps.clock.now();
  const present = new Set(entries.map((e) => e.path));
  const gone = [...known.keys()].filter((p) => !present.has(p));
  const added = [...plan.add.map((a) => a.slug), ...plan.update.filter((u) => u.restored).map((u) => u.article.slug)];
  const updated = plan.update.filter((u) => !u.restored).map((u) => u.article.slug);
  const removed = plan.remove;
  const changed = added.length + updated.length + removed.length > 0;

  await deps.db.transaction().execute(async (trx) => {
    for (const u of plan.update) await updateArticle(trx, u.article, u.textChanged ? now : null, u.textChanged || u.restored);
    await insertArticles(trx, plan.add.map((article) => ({ id: randomUUID(), article })), now);
    await saveSeedFiles(trx, candidates.map((c) => c.record));
    await deleteSeedFiles(trx, gone);
    await markArticlesDeleted(trx, removed, now);
    if (changed) await writeSiteState(trx, ARTICLES_VERSION_KEY, `${now.getTime()}-${randomUUID()}`);
  });

  const problems = [...keep, ...candidates.map((c) => c.record)].flatMap((r) => r.problems).sort(byFileAndLine);
  const report: IngestReport = {
    startedAt,
    durationMs: Math.round(performance.now() - wallStart),
    scanned: entries.length,
    read: candidates.length,
    added,
    updated,
    removed,
    deferred,
    problems,
    changed,
  };
  await writeSiteState(deps.db, LAST_INGEST_KEY, JSON.stringify({ at: startedAt.toISOString(), durationMs: report.durationMs, scanned: report.scanned, problems: problems.length }));
  logReport(deps.log, report, candidates);
  return report;
}

function toPlanFile(c: Candidate): PlanFile<ArticleWrite> {
  return { kind: 'read', path: c.entry.path, previousSlug: c.record.slug, ...(c.article ? { article: c.article } : {}) };
}

/** The slug a file still being written names, if it can be read at all. */
async function peekSlugOf(entry: SeedFileEntry): Promise<string | null> {
  try {
    return peekSlug(await readFile(entry.absolutePath));
  } catch {
    return null;
  }
}

interface PendingRead {
  entry: SeedFileEntry;
  fingerprint: string;
  previous: SeedFileRecord | undefined;
}

/** Reads in batches of 64 files at once, so the disk (or the threadpool) is never idle while a file is parsed. */
async function readCandidates(pending: readonly PendingRead[], deps: IngestDeps, now: Date): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (let i = 0; i < pending.length; i += 64) {
    const batch = pending.slice(i, i + 64);
    candidates.push(...(await Promise.all(batch.map((p) => readCandidate(p.entry, p.fingerprint, p.previous, deps, now)))));
  }
  return candidates;
}

async function readCandidate(entry: SeedFileEntry, fingerprint: string, previous: SeedFileRecord | undefined, deps: IngestDeps, now: Date): Promise<Candidate> {
  const base = { path: entry.path, fingerprint, checkedAt: now, slug: previous?.slug ?? null };
  let bytes: Buffer;
  try {
    bytes = await readFile(entry.absolutePath);
  } catch (error) {
    const problem: ArticleProblem = { file: entry.path, line: 1, code: 'UnreadableFile', message: `cannot read the file: ${(error as Error).message}` };
    return { entry, record: { ...base, contentHash: '', problems: [problem] } };
  }
  const contentHash = contentHashOf(bytes);
  const parsed = parseArticleFile(entry.path, bytes, deps.timeZone);
  if (!parsed.ok) return { entry, record: { ...base, contentHash, problems: parsed.problems } };
  return {
    entry,
    record: { ...base, contentHash, problems: [] },
    article: { ...parsed.article, sourceFile: entry.path, contentHash },
  };
}

function byFileAndLine(a: ArticleProblem, b: ArticleProblem): number {
  return a.file.localeCompare(b.file) || a.line - b.line;
}

function logReport(log: Logger, report: IngestReport, candidates: Candidate[]): void {
  for (const c of candidates) for (const p of c.record.problems) log.warn({ file: p.file, line: p.line, code: p.code }, formatProblem(p));
  const { added, updated, removed, deferred, scanned, read, durationMs } = report;
  const summary = { scanned, read, added: added.length, updated: updated.length, removed: removed.length, deferred: deferred.length, problems: report.problems.length, durationMs };
  if (report.changed || candidates.length > 0) log.info(summary, 'ingest finished');
  else log.debug(summary, 'ingest finished, nothing changed');
}
