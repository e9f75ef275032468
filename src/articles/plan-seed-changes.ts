import type { ArticleProblem } from './article.ts';

/**
 * The one rule that turns what `seeds/` holds into changes to the published articles. Pure: the
 * ingest applies the plan to the store, `gazette check` prints it, and both therefore agree on
 * which file keeps a contested slug and which article a scan would unpublish.
 */

/** What a file read this time yields: a valid article, or only problems. */
export interface ReadFile<A extends PlannedArticle> {
  kind: 'read';
  path: string;
  article?: A;
  /** The slug the file held before (its last good version), kept while its new text is bad. */
  previousSlug: string | null;
}

/** A file not read this time: unchanged since the last scan (`kept`), or too young to trust (`deferred`). */
export interface UnreadFile {
  kind: 'kept' | 'deferred';
  path: string;
  /** The slug its last good version published, if any. */
  slug: string | null;
  /** For a deferred file: the slug its second line names now, if it names one (a rename in progress). */
  peekedSlug?: string | null;
}

export type PlanFile<A extends PlannedArticle> = ReadFile<A> | UnreadFile;

/**
 * Whether a listed file is read this scan: `kept` (unchanged since it was last read, and not
 * waiting on another file's slug), `deferred` (changed less than `quietMs` ago: it may still be
 * being written) or `read`. `ageMs` is how long ago the file last changed.
 */
export function classifySeedFile(
  file: { fingerprint: string; ageMs: number },
  previous: { fingerprint: string; waitsOnOthers: boolean } | undefined,
  quietMs: number,
): 'kept' | 'deferred' | 'read' {
  if (previous && previous.fingerprint === file.fingerprint && !previous.waitsOnOthers) return 'kept';
  // Absolute: a file dated in the future (a clock skewed between machines) is as suspect as a young one.
  if (quietMs > 0 && Math.abs(file.ageMs) < quietMs) return 'deferred';
  return 'read';
}

/**
 * Whether an unchanged file must be read again: one that lost a slug contest (`DuplicateSlug`,
 * given by `planSeedChanges`) is, at every scan, because the file holding the slug may have let it go.
 */
export function waitsOnOthers(problems: readonly ArticleProblem[]): boolean {
  return problems.some((p) => p.code === 'DuplicateSlug');
}

/** A file read this scan as the plan takes it: its article when its text is valid, and the slug it held before. */
export function readPlanFile<A extends PlannedArticle>(path: string, previousSlug: string | null, article: A | undefined): ReadFile<A> {
  return { kind: 'read', path, previousSlug, ...(article ? { article } : {}) };
}

export interface PlannedArticle {
  slug: string;
  contentHash: string;
}

/** An article the store holds, deleted ones included. */
export interface StoredArticle {
  slug: string;
  sourceFile: string;
  contentHash: string;
  deleted: boolean;
}

/** What one batch of read files changes: articles to add and update, and who holds which slug. */
export interface BatchPlan<A extends PlannedArticle> {
  add: A[];
  /** `textChanged`: the text differs (its `updated` moves); otherwise only its file moved or it returns from deletion. */
  update: { article: A; path: string; textChanged: boolean; restored: boolean }[];
  /** The slug each read file ends up holding (null: none). */
  slugOf: Map<string, string | null>;
  rejected: ArticleProblem[];
}

/** What the scan removes, known once every file is planned. */
export interface RemovalPlan {
  remove: string[];
  /** Slugs whose file is gone while a deferred file names the same slug: not removed this scan (a rename by copy-then-delete). */
  removalsPostponed: string[];
  /** True when every removal is held back because the directory holds no article file at all. */
  heldBack: boolean;
}

export type SeedPlan<A extends PlannedArticle> = BatchPlan<A> & RemovalPlan;

/**
 * The plan made in batches, so that an ingest never holds every parsed file at once: the files
 * not read come first (their slugs are claimed up front), then batches of read files, then the
 * removals. Claims made by a batch stand for every later batch. The result equals one
 * `planSeedChanges` over all the files as long as, among read files, those that publish their
 * slug today come in earlier batches than newcomers, and newcomers come in path order (what
 * `ingestSeeds` does). Holds only the claims (a slug and a path per file).
 */
export interface SeedPlanner<A extends PlannedArticle> {
  planBatch(files: readonly ReadFile<A>[]): BatchPlan<A>;
  /** `listed`: how many article files the directory holds, read or not. */
  finish(listed: number): RemovalPlan;
}

export function createSeedPlanner<A extends PlannedArticle>(
  stored: readonly StoredArticle[],
  unread: readonly UnreadFile[],
): SeedPlanner<A> {
  const bySlug = new Map(stored.map((a) => [a.slug, a]));
  // Slugs held by files not read this time, and by read files whose new text is bad (their last good version stays).
  const claims = new Map<string, string>();
  for (const f of unread) if (f.slug) claims.set(f.slug, f.path);
  const renaming = new Set(unread.flatMap((f) => (f.kind === 'deferred' && f.peekedSlug ? [f.peekedSlug] : [])));

  function planBatch(files: readonly ReadFile<A>[]): BatchPlan<A> {
    for (const f of files) if (!f.article && f.previousSlug) claims.set(f.previousSlug, f.path);
    const slugOf = new Map<string, string | null>();
    for (const f of files) slugOf.set(f.path, f.article ? null : f.previousSlug);

    // The file that publishes a slug keeps it; among newcomers the first path wins.
    const valid = files.filter((f): f is ReadFile<A> & { article: A } => f.article !== undefined).sort((a, b) => ownsFirst(a, b, bySlug));
    const rejected: ArticleProblem[] = [];
    const add: A[] = [];
    const update: BatchPlan<A>['update'] = [];
    for (const f of valid) {
      const slug = f.article.slug;
      const holder = claims.get(slug);
      if (holder !== undefined && holder !== f.path) {
        rejected.push({
          file: f.path,
          line: 2,
          code: 'DuplicateSlug',
          message: `the slug "${slug}" is already used by ${holder}; give one of the two files another slug`,
        });
        continue;
      }
      claims.set(slug, f.path);
      slugOf.set(f.path, slug);
      const existing = bySlug.get(slug);
      if (!existing) add.push(f.article);
      else if (existing.deleted || existing.contentHash !== f.article.contentHash || existing.sourceFile !== f.path) {
        update.push({
          article: f.article,
          path: f.path,
          textChanged: existing.contentHash !== f.article.contentHash,
          restored: existing.deleted,
        });
      }
    }
    return { add, update, slugOf, rejected };
  }

  function finish(listed: number): RemovalPlan {
    const unclaimed = stored.filter((a) => !a.deleted && !claims.has(a.slug)).map((a) => a.slug);
    // An empty seeds directory beside published articles is far more often an unmounted volume or
    // a wrong path than an operator removing everything: unpublish nothing.
    const heldBack = listed === 0 && unclaimed.length > 0;
    const removalsPostponed = heldBack ? [] : unclaimed.filter((s) => renaming.has(s));
    const remove = heldBack ? [] : unclaimed.filter((s) => !renaming.has(s));
    return { remove, removalsPostponed, heldBack };
  }

  return { planBatch, finish };
}

/** The whole plan at once (what `gazette check` runs, holding every file; the ingest plans in batches). */
export function planSeedChanges<A extends PlannedArticle>(files: readonly PlanFile<A>[], stored: readonly StoredArticle[]): SeedPlan<A> {
  const planner = createSeedPlanner<A>(
    stored,
    files.filter((f): f is UnreadFile => f.kind !== 'read'),
  );
  const batch = planner.planBatch(files.filter((f): f is ReadFile<A> => f.kind === 'read'));
  return { ...batch, ...planner.finish(files.length) };
}

function ownsFirst(a: ReadFile<PlannedArticle>, b: ReadFile<PlannedArticle>, bySlug: Map<string, StoredArticle>): number {
  const owns = (f: ReadFile<PlannedArticle>): number => {
    const existing = bySlug.get(f.article!.slug);
    return existing && !existing.deleted && existing.sourceFile === f.path ? 0 : 1;
  };
  return owns(a) - owns(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** What a plan changes as readers see it: an article back from deletion counts as added, not updated. */
export function publishedChangesOf(plan: Pick<SeedPlan<PlannedArticle>, 'add' | 'update' | 'remove'>): {
  added: string[];
  updated: string[];
  removed: string[];
  changed: boolean;
} {
  const added = [...plan.add.map((a) => a.slug), ...plan.update.filter((u) => u.restored).map((u) => u.article.slug)];
  const updated = plan.update.filter((u) => !u.restored).map((u) => u.article.slug);
  const removed = plan.remove;
  return { added, updated, removed, changed: added.length + updated.length + removed.length > 0 };
}
