import { assignFeedPlaces, findLastFeedPlace, findNextEmbargoEnd } from '../articles/article.repository.ts';
import { findLatestDeletion, listLatestFeedEntries } from '../articles/feed-entry.repository.ts';
import { ARTICLES_VERSION_KEY } from '../articles/ingest.service.ts';
import type { Config } from '../config/config.schema.ts';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Db } from '../store/database.ts';
import { readSiteState, writeSiteState } from '../store/site-state.repository.ts';
import { archivePageCount, createArchivePages } from './archive-pages.ts';
import { settleLastModified } from './feed-document.repository.ts';
import { feedFormats, feedMediaTypes, feedPaths, parseArchivePath, type FeedFormat } from './feed-links.ts';
import { feedSettingsFrom, newestChange, type FeedPage } from './feed-page.ts';
import { buildRepresentation, hashText, type FeedRepresentation } from './feed-representation.ts';
import { renderers } from './renderers.ts';
import { pingHub } from './websub.ts';

export interface FeedPublisherDeps {
  db: Db;
  config: Config;
  clock: Clock;
  log: Logger;
  /** How long a WebSub ping may take before it is given up (and logged). */
  hubTimeoutMs?: number;
  /** Counts renders and their bytes (none recorded without it). */
  metrics?: Metrics;
}

export interface FeedPublisher {
  /**
   * Renders the subscription documents again if the articles changed (the `articles_version`
   * ingest writes) or an embargo ended; otherwise costs one small query. Returns the formats
   * whose bytes changed. Call after every ingest; the scheduler calls it too.
   */
  refresh(): Promise<FeedFormat[]>;
  /** The document published at `path` (a feed or an archive page), or undefined. Never renders per request. */
  find(path: string): Promise<FeedRepresentation | undefined>;
  /** The feed at `path` when it is rendered and current, without waiting; otherwise undefined (then use `find`). */
  findReady(path: string): FeedRepresentation | undefined;
  /** Resolves once no refresh and no WebSub ping is in flight (before closing the store; tests wait on it). */
  idle(): Promise<void>;
}

interface Published {
  generation: number;
  version: string;
  nextEmbargoEnd: Date | undefined;
  slotCount: number;
  documents: Map<FeedFormat, FeedRepresentation>;
}

const WEBSUB_KEY = 'websub_published_etag';
const formatByPath = new Map(feedFormats.map((f) => [feedPaths[f], f]));

/** Feeds served from memory: rendered and compressed once per change, never per request. */
export function createFeedPublisher(deps: FeedPublisherDeps): FeedPublisher {
  const { db, config, clock, log } = deps;
  const settings = feedSettingsFrom(config);
  const findArchivePage = createArchivePages({
    db,
    settings,
    pageSize: config.feeds.archivePageSize,
    maxAgeSeconds: config.feeds.maxAgeSeconds,
    cacheEntries: 60,
  });
  let published: Published | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let ensuring: Promise<unknown> | undefined;
  const pings = new Set<Promise<void>>();

  const isStale = (now: Date): boolean => !published || (published.nextEmbargoEnd !== undefined && now >= published.nextEmbargoEnd);

  /** One refresh at a time, in call order, so a refresh never overtakes the ingest before it. */
  function refresh(): Promise<FeedFormat[]> {
    const next = queue.then(render);
    queue = next.catch(() => undefined);
    return next;
  }

  async function render(): Promise<FeedFormat[]> {
    const version = (await readSiteState(db, ARTICLES_VERSION_KEY)) ?? '';
    const now = clock.now();
    if (published && published.version === version && !isStale(now)) return [];
    // Articles that became visible (new, edited, restored, out of embargo) take their place in
    // the feed first, so the documents below are rendered with them.
    let placed = true;
    try {
      await db.transaction().execute((trx) => assignFeedPlaces(trx, now));
    } catch (error) {
      // Another process holding the store's write lock (a `gazette ingest` beside `serve` on
      // SQLite): this render goes on with the places already given, and the next refresh (the
      // `feeds` job, within seconds) tries again.
      placed = false;
      log.warn({ err: error }, 'could not give feed places to new articles this time; the next refresh will');
    }
    const [entries, slotCount, latestDeletion, nextEmbargoEnd] = await Promise.all([
      listLatestFeedEntries(db, { now, limit: config.feeds.size }),
      findLastFeedPlace(db),
      findLatestDeletion(db),
      findNextEmbargoEnd(db, now),
    ]);
    const articles = entries.map((e) => e.article);
    const lastPage = archivePageCount(slotCount, config.feeds.archivePageSize);
    const page: FeedPage = { articles, updated: newestChange(articles), ...(lastPage > 0 ? { prevArchivePage: lastPage } : {}) };
    // The document changed when an article in it was added, edited or published, or any was deleted.
    const contentChange = new Date(
      Math.max(page.updated.getTime(), latestDeletion?.getTime() ?? 0, ...articles.map((a) => a.createdAt.getTime())),
    );
    const { documents, changed } = await renderDocuments(page, contentChange);
    const isFirst = !published;
    published = {
      generation: (published?.generation ?? 0) + 1,
      version: placed ? version : `${version}:retry`,
      nextEmbargoEnd,
      slotCount,
      documents,
    };
    if (config.feeds.websubHub) track(notifyHub(config.feeds.websubHub, isFirst ? [...feedFormats] : changed, documents));
    if (changed.length > 0) log.info({ changed, articles: articles.length, archivePages: lastPage }, 'feeds rendered');
    return changed;
  }

  /** Renders and compresses every format; a format whose bytes did not change keeps its representation. */
  async function renderDocuments(
    page: FeedPage,
    contentChange: Date,
  ): Promise<{ documents: Map<FeedFormat, FeedRepresentation>; changed: FeedFormat[] }> {
    const documents = new Map<FeedFormat, FeedRepresentation>();
    const changed: FeedFormat[] = [];
    for (const format of feedFormats) {
      const previous = published?.documents.get(format);
      const text = renderers[format](settings, page);
      const representation = buildRepresentation(
        {
          text,
          lastModified: await settleLastModified(db, feedPaths[format], hashText(text), contentChange),
          contentType: `${feedMediaTypes[format]}; charset=utf-8`,
          cacheControl: `public, max-age=${config.feeds.maxAgeSeconds}`,
          links: linkHeaders(format),
        },
        previous,
      );
      documents.set(format, representation);
      if (representation !== previous) {
        changed.push(format);
        deps.metrics?.countFeedRender(format, Buffer.byteLength(text));
      }
    }
    return { documents, changed };
  }

  function linkHeaders(format: FeedFormat): string[] {
    const self = `<${config.site.baseUrl}${feedPaths[format]}>; rel="self"`;
    return config.feeds.websubHub ? [`<${config.feeds.websubHub}>; rel="hub"`, self] : [self];
  }

  /**
   * Pings the hub for documents whose bytes differ from those last announced. The ETag announced
   * is kept in the store, so a restart announces what changed while the process was down.
   */
  async function notifyHub(hub: string, candidates: FeedFormat[], documents: Map<FeedFormat, FeedRepresentation>): Promise<void> {
    const due: FeedFormat[] = [];
    for (const format of candidates) {
      const etag = documents.get(format)!.etags.identity;
      if ((await readSiteState(db, `${WEBSUB_KEY}:${format}`)) !== etag) due.push(format);
    }
    if (due.length === 0) return;
    const accepted = await pingHub({
      hub,
      feedUrls: due.map((f) => `${config.site.baseUrl}${feedPaths[f]}`),
      timeoutMs: deps.hubTimeoutMs ?? 5000,
      log,
    });
    for (const format of due) {
      if (accepted.includes(`${config.site.baseUrl}${feedPaths[format]}`))
        await writeSiteState(db, `${WEBSUB_KEY}:${format}`, documents.get(format)!.etags.identity);
    }
  }

  function track(ping: Promise<void>): void {
    const guarded = ping.catch((error: unknown) => log.warn({ err: error }, 'WebSub notification failed'));
    pings.add(guarded);
    void guarded.finally(() => pings.delete(guarded));
  }

  /** The published state, rendered first if there is none yet or an embargo has ended (concurrent requests share one render). */
  async function current(): Promise<Published> {
    if (isStale(clock.now())) {
      ensuring ??= refresh().finally(() => {
        ensuring = undefined;
      });
      await ensuring;
    }
    return published!;
  }

  return {
    refresh,
    findReady(path) {
      const format = formatByPath.get(path);
      if (!format || isStale(clock.now())) return undefined;
      return published!.documents.get(format);
    },
    async find(path) {
      const state = await current();
      const format = formatByPath.get(path);
      if (format) return state.documents.get(format);
      const archive = parseArchivePath(path);
      if (!archive) return undefined;
      return findArchivePage(archive.format, archive.page, { generation: state.generation, slotCount: state.slotCount });
    },
    async idle() {
      await queue;
      await Promise.all([...pings]);
    },
  };
}
