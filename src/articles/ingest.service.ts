import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Database } from '../store/database.ts';
import { writeSiteState } from '../store/site-state.repository.ts';
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
import { parseArticleFile } from './parse-article-file.ts';

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
  const minAge = options.minFileAgeMs ?? 0;
  const entries = await listSeedFileEntries(deps.seedsDir);
  const known = new Map((await listSeedFiles(deps.db)).map((r) => [r.path, r]));

  const keep: SeedFileRecord[] = [];
  const candidates: Candidate[] = [];
  const deferred: string[] = [];
  const toRead: PendingRead[] = [];
  for (const entry of entries) {
    const fingerprint = `${entry.size}:${Math.trunc(entry.mtimeMs)}`;
    const previous = known.get(entry.path);
    const waitsOnOthers = previous?.problems.some((p) => p.code === 'DuplicateSlug') ?? false;
    if (previous && previous.fingerprint === fingerprint && !waitsOnOthers) {
      keep.push(previous);
    } else if (minAge > 0 && Math.abs(Date.now() - entry.mtimeMs) < minAge) {
      deferred.push(entry.path);
      if (previous) keep.push(previous);
    } else {
      toRead.push({ entry, fingerprint, previous });
    }
  }
  candidates.push(...(await readCandidates(toRead, deps, startedAt)));

  const owners = await listLiveArticleOwners(deps.db);
  const articleBySlug = new Map(owners.map((o) => [o.slug, o]));
  // Slugs held by files not read this time, and by files whose new text is bad (their last good version stays).
  const claims = new Map<string, string>();
  for (const record of keep) if (record.slug) claims.set(record.slug, record.path);
  for (const c of candidates) if (!c.article && c.record.slug) claims.set(c.record.slug, c.entry.path);

  // A file that already owns its slug goes first, so an intruder never displaces it.
  const valid = candidates.filter((c) => c.article).sort((a, b) => ownsFirst(a, b, articleBySlug));
  for (const c of valid) {
    const slug = c.article!.slug;
    const holder = claims.get(slug);
    if (holder !== undefined && holder !== c.entry.path) {
      const problem: ArticleProblem = {
        file: c.entry.path,
        line: 2,
        code: 'DuplicateSlug',
        message: `the slug "${slug}" is already used by ${holder}; give one of the two files another slug`,
      };
      c.record = { ...c.record, slug: null, problems: [problem] };
      delete c.article;
      continue;
    }
    claims.set(slug, c.entry.path);
    c.record = { ...c.record, slug };
  }

  const now = deps.clock.now();
  const added: string[] = [];
  const updated: string[] = [];
  const present = new Set(entries.map((e) => e.path));
  const gone = [...known.keys()].filter((p) => !present.has(p));
  // An empty seeds directory beside published articles is far more often an unmounted volume or
  // a wrong path than an operator removing everything: unpublish nothing and say so.
  const unclaimed = owners.filter((o) => !o.deleted && !claims.has(o.slug)).map((o) => o.slug);
  const heldBack = entries.length === 0 && unclaimed.length > 0;
  if (heldBack) deps.log.error({ seedsDir: deps.seedsDir, published: unclaimed.length }, `${deps.seedsDir} holds no article files: the ${unclaimed.length} published articles stay published (empty or unmounted directory?)`);
  const removed = heldBack ? [] : unclaimed;

  await deps.db.transaction().execute(async (trx) => {
    const inserts: { id: string; article: ArticleWrite }[] = [];
    for (const c of valid) {
      if (!c.article) continue;
      const existing = articleBySlug.get(c.article.slug);
      if (!existing) {
        inserts.push({ id: randomUUID(), article: c.article });
        added.push(c.article.slug);
      } else if (existing.deleted || existing.contentHash !== c.article.contentHash || existing.sourceFile !== c.article.sourceFile) {
        const textChanged = existing.contentHash !== c.article.contentHash;
        await updateArticle(trx, c.article, textChanged ? now : null);
        (existing.deleted ? added : updated).push(c.article.slug);
      }
    }
    await insertArticles(trx, inserts, now);
    await saveSeedFiles(trx, candidates.map((c) => c.record));
    await deleteSeedFiles(trx, gone);
    await markArticlesDeleted(trx, removed, now);
    if (added.length + updated.length + removed.length > 0) await writeSiteState(trx, ARTICLES_VERSION_KEY, `${now.getTime()}-${randomUUID()}`);
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
    changed: added.length + updated.length + removed.length > 0,
  };
  await writeSiteState(deps.db, LAST_INGEST_KEY, JSON.stringify({ at: startedAt.toISOString(), durationMs: report.durationMs, scanned: report.scanned, problems: problems.length }));
  logReport(deps.log, report, candidates);
  return report;
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
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  const parsed = parseArticleFile(entry.path, bytes, deps.timeZone);
  if (!parsed.ok) return { entry, record: { ...base, contentHash, problems: parsed.problems } };
  return {
    entry,
    record: { ...base, contentHash, problems: [] },
    article: { ...parsed.article, sourceFile: entry.path, contentHash },
  };
}

function ownsFirst(a: Candidate, b: Candidate, articles: Map<string, { sourceFile: string; deleted: boolean }>): number {
  const owns = (c: Candidate): number => {
    const existing = articles.get(c.article!.slug);
    return existing && !existing.deleted && existing.sourceFile === c.entry.path ? 0 : 1;
  };
  return owns(a) - owns(b) || a.entry.path.localeCompare(b.entry.path);
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
