import { copyFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { insertSubscriber } from '../support/mail-fixtures.ts';
import { makeTestConfig } from '../support/test-config.ts';

/**
 * A model-based test of the whole service: random sequences of what operators do to seeds/
 * (add, back-date, embargo, edit, rename by copy-then-delete, delete, restore, write in two
 * halves), scans at random moments, clock advances across daily and weekly firings with the
 * jobs of one tick run in a random order, restarts and downtime. After every step the service
 * is compared with the plain model below. Used by service-model.test.ts (a modest run in
 * `npm test`) and scripts/model-long-run.ts (a long run).
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The seed quiet period the service runs with here: a file younger than this is not read. */
const QUIET_SECONDS = 60;
/** Winter in London (UTC+0, no daylight-saving change before 28 March 2027): firings are 07:00Z. */
const START = '2026-11-02T09:00:00Z';
const LAST_MOMENT = Date.parse('2027-03-20T00:00:00Z');
/** Articles dated more than this before they became visible are archive imports: never mailed. */
const ARCHIVE_AGE_MS = 48 * HOUR;

export type DateKind = 'now' | 'hoursBack' | 'dayBack' | 'daysBack' | 'archive' | 'future';

export type Op =
  | { kind: 'add'; key: number; date: DateKind }
  | { kind: 'edit'; key: number }
  | { kind: 'rename'; key: number }
  | { kind: 'delete'; key: number }
  | { kind: 'restore'; key: number }
  | { kind: 'halfWrite'; key: number; interrupt: 'scan' | 'restart' }
  | { kind: 'scan' }
  | { kind: 'advance'; minutes: number; order: number }
  | { kind: 'restart' }
  | { kind: 'downtime'; hours: number };

const keyArb = fc.integer({ min: 0, max: 11 });
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      key: keyArb,
      date: fc.constantFrom<DateKind>('now', 'hoursBack', 'dayBack', 'daysBack', 'archive', 'future'),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant('edit' as const), key: keyArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('rename' as const), key: keyArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('restore' as const), key: keyArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('halfWrite' as const),
      key: keyArb,
      interrupt: fc.constantFrom<'scan' | 'restart'>('scan', 'restart'),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: 'scan' as const }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      minutes: fc.constantFrom(2, 30, 180, 660, 1440, 2 * 1440 + 17),
      order: fc.nat(),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('downtime' as const), hours: fc.constantFrom(5, 30, 80, 240) }), weight: 1 },
);

/** One seed file as the model knows it. */
interface ModelFile {
  slug: string;
  /** Body version written; the last paragraph of every complete file is `End of <slug> v<n>.` */
  version: number;
  complete: boolean;
  /** When its content was last written (the file's mtime). */
  writtenAt: number;
}

/** One article as the service should know it. */
interface ModelArticle {
  slug: string;
  publishedAt: number;
  /** The body version the service has ingested; 0 before the first ingest. */
  ingestedVersion: number;
  /** When the current run of visibility began: the later of its ingest and its date. */
  visibleSince: number | null;
  deleted: boolean;
  /** Archive import: dated long before it first became visible; never mailed. */
  archive: boolean | null;
  /** Frequencies it must already be in an edition of. */
  mustBeMailed: Set<Frequency>;
}

type Frequency = 'instant' | 'daily' | 'weekly';
const FREQUENCIES: readonly Frequency[] = ['instant', 'daily', 'weekly'];

export class ServiceModel {
  readonly clock = new ManualClock(START);
  readonly files = new Map<string, ModelFile>();
  readonly articles = new Map<string, ModelArticle>();
  /** The bytes of every URL ever served as immutable: they must never change. */
  readonly immutable = new Map<string, string>();
  /** Last bytes and validators seen per feed URL: bytes that change must move both validators. */
  readonly validators = new Map<string, { body: string; etag: string; lastModified: string }>();
  readonly log: string[] = [];
  gazette!: Gazette;
  private fileCounter = 0;
  private readonly setup: ReturnType<typeof makeTestConfig>;

  private constructor(t: { after(fn: () => void): void }) {
    this.setup = makeTestConfig(t, {
      feeds: { size: 5, archivePageSize: 5 },
      ingest: { quietPeriodSeconds: QUIET_SECONDS },
      scheduler: { daily: '0 7 * * *', weekly: '0 7 * * 1' },
    });
  }

  static async start(t: { after(fn: () => void): void }): Promise<ServiceModel> {
    const model = new ServiceModel(t);
    model.gazette = await createGazette(model.setup.config, { clock: model.clock });
    await insertSubscriber(model.gazette.core.store.db, { frequency: 'instant' });
    await insertSubscriber(model.gazette.core.store.db, { frequency: 'daily' });
    await insertSubscriber(model.gazette.core.store.db, { frequency: 'weekly' });
    // The first start: nothing in seeds/, the jobs run once (instant mailing begins now).
    await model.runJob('scan');
    for (const job of ['instant', 'daily', 'weekly']) await model.runJob(job);
    return model;
  }

  async close(): Promise<void> {
    await this.gazette.close();
  }

  /** Applies one operation to the real service and to the model. */
  async apply(op: Op): Promise<void> {
    this.log.push(JSON.stringify(op));
    const now = this.clock.now().getTime();
    const slug = 'key' in op ? `article-${op.key}` : '';
    const fileOf = (): string | undefined => [...this.files.entries()].find(([, f]) => f.slug === slug)?.[0];
    switch (op.kind) {
      case 'add': {
        if (this.articles.has(slug) || fileOf()) return;
        const publishedAt = roundToMinute(now + dateOffset(op.date));
        this.articles.set(slug, {
          slug,
          publishedAt,
          ingestedVersion: 0,
          visibleSince: null,
          deleted: false,
          archive: null,
          mustBeMailed: new Set(),
        });
        this.writeFile(this.newFileName(slug), slug, 1, true, now - 10 * 60_000);
        return;
      }
      case 'edit': {
        const file = fileOf();
        if (!file) return;
        const f = this.files.get(file)!;
        this.writeFile(file, slug, f.version + 1, true, now - 5 * 60_000);
        return;
      }
      case 'halfWrite': {
        // An editor saving in two writes, the first half now and the rest a moment later: a scan,
        // or a restart with its start-up scan, between the two must not publish the half.
        const file = fileOf();
        if (!file) return;
        const f = this.files.get(file)!;
        this.writeFile(file, slug, f.version + 1, false, now);
        if (op.interrupt === 'scan') await this.scan();
        else await this.restart(0);
        this.writeFile(file, slug, f.version + 1, true, now);
        return;
      }
      case 'rename': {
        // cp a.txt b.txt && rm a.txt: the copy is young (cp does not keep the mtime), the
        // original is gone, and a scan comes at the worst moment.
        const file = fileOf();
        if (!file) return;
        const f = this.files.get(file)!;
        const target = this.newFileName(slug);
        copyFileSync(this.abs(file), this.abs(target));
        utimesSync(this.abs(target), new Date(now), new Date(now));
        this.files.set(target, { ...f, writtenAt: now });
        rmSync(this.abs(file));
        this.files.delete(file);
        await this.scan();
        return;
      }
      case 'delete': {
        const file = fileOf();
        if (!file) return;
        rmSync(this.abs(file));
        this.files.delete(file);
        return;
      }
      case 'restore': {
        const article = this.articles.get(slug);
        if (!article || fileOf()) return;
        this.writeFile(this.newFileName(slug), slug, article.ingestedVersion + 1, true, now - 10 * 60_000, article.publishedAt);
        return;
      }
      case 'scan':
        await this.scan();
        return;
      case 'advance':
        await this.advance(op.minutes * 60_000, op.order);
        return;
      case 'restart':
        await this.restart(0);
        return;
      case 'downtime':
        await this.restart(op.hours * HOUR);
        return;
    }
  }

  private newFileName(slug: string): string {
    return `${String(++this.fileCounter).padStart(3, '0')}-${slug}.txt`;
  }

  private abs(file: string): string {
    return path.join(this.setup.seedsDir, file);
  }

  private writeFile(file: string, slug: string, version: number, complete: boolean, writtenAt: number, publishedAt?: number): void {
    const article = this.articles.get(slug)!;
    const date = new Date(publishedAt ?? article.publishedAt).toISOString().slice(0, 16) + '+00:00';
    const paragraphs = [`First paragraph of ${slug}, version ${version}.`, `Second paragraph of ${slug}.`];
    const text = `${date}\n${slug}\n\n${paragraphs.join('\n\n')}\n` + (complete ? `\nEnd of ${slug} v${version}.\n` : '');
    writeFileSync(this.abs(file), text);
    utimesSync(this.abs(file), new Date(writtenAt), new Date(writtenAt));
    this.files.set(file, { slug, version, complete, writtenAt });
  }

  /** What a scan at the current time ingests, in the model. */
  private modelScan(): void {
    const now = this.clock.now().getTime();
    const present = new Set<string>();
    for (const f of this.files.values()) {
      present.add(f.slug);
      const settled = f.writtenAt <= now - QUIET_SECONDS * 1000;
      if (!settled || !f.complete) continue;
      const article = this.articles.get(f.slug)!;
      const wasDeleted = article.deleted || article.ingestedVersion === 0;
      article.ingestedVersion = f.version;
      article.deleted = false;
      if (wasDeleted) {
        const since = Math.max(now, article.publishedAt);
        article.visibleSince = since;
        article.archive ??= article.publishedAt < since - ARCHIVE_AGE_MS;
      }
    }
    // A file removed (and not renamed) takes its article down. An empty seeds directory is
    // treated as an unmounted volume and unpublishes nothing.
    if (this.files.size === 0) return;
    for (const article of this.articles.values()) {
      if (!present.has(article.slug) && article.ingestedVersion > 0) article.deleted = true;
    }
  }

  private isVisible(article: ModelArticle, at: number): boolean {
    return article.ingestedVersion > 0 && !article.deleted && article.publishedAt <= at;
  }

  private async scan(): Promise<void> {
    await this.runJob('scan');
  }

  /** Runs one job as its tick would, and notes in the model what it must have done. */
  private async runJob(name: string, options: { atStart?: boolean } = {}): Promise<void> {
    const outcome = await this.gazette.scheduler.runNow(name, options);
    if (outcome !== 'ran') throw new Error(`job ${name} did not run: ${outcome}`);
    const now = this.clock.now().getTime();
    // The scan, and the digest jobs (which ingest before making their edition), read seeds/.
    if (name === 'scan' || name === 'daily' || name === 'weekly') this.modelScan();
    if (name === 'instant' || name === 'scan' || name === 'embargo') this.noteMailed('instant', now, now);
    if (name === 'daily' || name === 'embargo') this.noteMailed('daily', now, previousFiring('daily', now));
    if (name === 'weekly' || name === 'embargo') this.noteMailed('weekly', now, previousFiring('weekly', now));
  }

  /**
   * After a job that makes editions of `frequency` ran at `now`, every article visible then
   * whose visibility began before the last firing (`due`) must be in an edition of it. Instant
   * mail: everything visible when the instant job ran (`due` = now), except what the scan of
   * this very moment brought in before the instant job (that counts as not yet due).
   */
  private noteMailed(frequency: Frequency, now: number, due: number): void {
    for (const article of this.articles.values()) {
      if (!this.isVisible(article, now) || article.archive || article.visibleSince === null) continue;
      if (frequency === 'instant' ? article.visibleSince < now : article.visibleSince < due) article.mustBeMailed.add(frequency);
    }
  }

  /** Moves the clock, running at each daily and weekly firing crossed the jobs of that tick in a random order. */
  private async advance(ms: number, order: number): Promise<void> {
    const target = Math.min(this.clock.now().getTime() + ms, LAST_MOMENT);
    for (let firing = nextFiring(this.clock.now().getTime()); firing <= target; firing = nextFiring(firing)) {
      this.clock.set(new Date(firing));
      const jobs = ['scan', 'embargo', 'instant', 'daily', 'weekly'];
      for (const job of permutation(jobs, order + firing / 60_000)) await this.runJob(job);
    }
    this.clock.set(new Date(target));
    await this.runJob('embargo');
  }

  /** Stops the service, lets `downMs` pass, and starts it again as `gazette serve` would. */
  private async restart(downMs: number): Promise<void> {
    await this.gazette.close();
    this.clock.set(new Date(Math.min(this.clock.now().getTime() + downMs, LAST_MOMENT)));
    this.gazette = await createGazette(this.setup.config, { clock: this.clock });
    await this.runJob('scan', { atStart: true });
    for (const job of ['daily', 'weekly', 'embargo']) await this.runJob(job);
  }

  /** Compares the service with the model; throws with the sequence so far on the first difference. */
  async check(): Promise<void> {
    const fail = (message: string): never => {
      throw new Error(`${message}\nat ${this.clock.now().toISOString()} after:\n  ${this.log.join('\n  ')}`);
    };
    const now = this.clock.now().getTime();
    const visible = [...this.articles.values()].filter((a) => this.isVisible(a, now));
    const visibleIds = new Set(visible.map((a) => a.slug));

    // Feeds: the subscription document and every archive page, walked as a reader would.
    const seen = new Map<string, { version: number; modified: number }[]>();
    /** Versions of each article outside frozen pages: only visible articles, only their current version. */
    const outsideFrozen = new Map<string, number[]>();
    let url: string | undefined = '/feed.json';
    let pages = 0;
    while (url) {
      if (++pages > 100) fail('archive pages do not end');
      const pathName: string = url.replace(this.gazette.core.config.site.baseUrl, '');
      const res = await request(this.gazette.server.app).get(pathName);
      if (res.status !== 200) fail(`${pathName} answered ${res.status}`);
      this.checkValidators(pathName, res.text, res.headers, fail);
      const frozen = String(res.headers['cache-control'] ?? '').includes('immutable');
      const document = JSON.parse(res.text) as { next_url?: string; items: { url: string; content_html: string; date_modified: string }[] };
      const idsOnPage = new Set<string>();
      for (const item of document.items) {
        const itemSlug = item.url.split('/').pop()!;
        if (idsOnPage.has(itemSlug)) fail(`${itemSlug} twice on ${pathName}`);
        idsOnPage.add(itemSlug);
        const version = /End of [a-z0-9-]+ v(\d+)\./.exec(item.content_html);
        if (!version) fail(`${itemSlug} published half on ${pathName}: ${item.content_html}`);
        seen.set(itemSlug, [...(seen.get(itemSlug) ?? []), { version: Number(version![1]), modified: Date.parse(item.date_modified) }]);
        if (!frozen) outsideFrozen.set(itemSlug, [...(outsideFrozen.get(itemSlug) ?? []), Number(version![1])]);
      }
      url = document.next_url;
    }
    // A page served as immutable keeps what it was frozen with (an article deleted since stays
    // in it; its own page answers 410). Outside frozen pages: only visible articles, in their
    // current version. The subscription document shares entries with the newest archive page
    // (RFC 5005 lets a feed's documents overlap; readers merge entries by id), so an article may
    // stand in both, but never in an older version.
    for (const [slug, versions] of outsideFrozen) {
      const article = this.articles.get(slug);
      if (!article || !visibleIds.has(slug)) fail(`${slug} is in a feed document that is not frozen but not visible`);
      if (versions.some((v) => v !== article!.ingestedVersion))
        fail(`${slug} stands outside frozen pages in versions ${versions.join(', ')}, current is v${article!.ingestedVersion}`);
    }
    for (const article of visible) {
      const versions = seen.get(article.slug);
      if (!versions) fail(`${article.slug} is visible but in no feed page`);
      const newest = versions!.reduce((a, b) => (b.modified > a.modified || (b.modified === a.modified && b.version > a.version) ? b : a));
      if (newest.version !== article.ingestedVersion)
        fail(`${article.slug}: the feeds' newest version is v${newest.version}, the service ingested v${article.ingestedVersion}`);
    }

    // Pages: a visible article answers 200 with the whole text; a deleted one never 200.
    for (const article of this.articles.values()) {
      if (article.ingestedVersion === 0) continue;
      const res = await request(this.gazette.server.app).get(`/articles/${article.slug}`);
      if (this.isVisible(article, now)) {
        if (res.status !== 200) fail(`/articles/${article.slug} answered ${res.status} while visible`);
        if (!res.text.includes(`End of ${article.slug} v${article.ingestedVersion}.`))
          fail(`/articles/${article.slug} does not show v${article.ingestedVersion} whole`);
      } else if (res.status === 200) fail(`/articles/${article.slug} answered 200 while not visible`);
    }

    // Editions: each article at most once per frequency, and at least once where due.
    const rows = await this.gazette.core.store.db
      .selectFrom('edition_articles as ea')
      .innerJoin('articles', 'articles.id', 'ea.article_id')
      .innerJoin('editions', 'editions.id', 'ea.edition_id')
      .select(['articles.slug as slug', 'editions.frequency as frequency'])
      .execute();
    const count = new Map<string, number>();
    for (const row of rows) count.set(`${row.frequency}:${row.slug}`, (count.get(`${row.frequency}:${row.slug}`) ?? 0) + 1);
    for (const article of this.articles.values()) {
      for (const frequency of FREQUENCIES) {
        const n = count.get(`${frequency}:${article.slug}`) ?? 0;
        if (n > 1) fail(`${article.slug} is in ${n} ${frequency} editions`);
        if (n > 0 && article.archive) fail(`${article.slug} is an archive import but in a ${frequency} edition`);
        if (n === 0 && article.mustBeMailed.has(frequency)) fail(`${article.slug} is due in a ${frequency} edition but in none`);
      }
    }
  }

  private checkValidators(url: string, body: string, headers: Record<string, string>, fail: (m: string) => never): void {
    if ((headers['cache-control'] ?? '').includes('immutable')) {
      const before = this.immutable.get(url);
      if (before !== undefined && before !== body) fail(`${url} was served as immutable and changed`);
      this.immutable.set(url, body);
    }
    const previous = this.validators.get(url);
    const current = { body, etag: headers.etag ?? '', lastModified: headers['last-modified'] ?? '' };
    if (previous && previous.body !== body) {
      if (previous.etag === current.etag) fail(`${url} changed but kept its ETag`);
      if (Date.parse(current.lastModified) <= Date.parse(previous.lastModified))
        fail(`${url} changed but its Last-Modified did not move (${previous.lastModified} -> ${current.lastModified})`);
    }
    this.validators.set(url, current);
  }
}

function dateOffset(kind: DateKind): number {
  switch (kind) {
    case 'now':
      return 0;
    case 'hoursBack':
      return -3 * HOUR;
    case 'dayBack':
      return -20 * HOUR;
    case 'daysBack':
      return -5 * DAY;
    case 'archive':
      return -400 * DAY;
    case 'future':
      return 26 * HOUR;
  }
}

function roundToMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}

/** Daily at 07:00 London, weekly on Mondays at 07:00: in winter London is UTC. */
function isFiring(frequency: 'daily' | 'weekly', ms: number): boolean {
  const d = new Date(ms);
  return d.getUTCHours() === 7 && d.getUTCMinutes() === 0 && (frequency === 'daily' || d.getUTCDay() === 1);
}

function nextFiring(after: number): number {
  let t = Math.floor(after / HOUR) * HOUR + HOUR;
  while (!isFiring('daily', t)) t += HOUR;
  return t;
}

function previousFiring(frequency: 'daily' | 'weekly', atOrBefore: number): number {
  let t = Math.floor(atOrBefore / HOUR) * HOUR;
  while (!isFiring(frequency, t)) t -= HOUR;
  return t;
}

function permutation<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = Math.floor(seed) % 2147483647;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 16807) % 2147483647;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs `numRuns` random sequences from `seed`; a failure names the seed, the path and the sequence. */
export async function runServiceModel(options: { seed: number; numRuns: number; maxOps: number }): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: options.maxOps }), async (ops) => {
      const cleanups: (() => void)[] = [];
      const model = await ServiceModel.start({ after: (fn) => cleanups.push(fn) });
      try {
        for (const op of ops) {
          await model.apply(op);
          await model.check();
        }
      } finally {
        await model.close();
        for (const fn of cleanups) fn();
      }
    }),
    { seed: options.seed, numRuns: options.numRuns, verbose: true },
  );
}
