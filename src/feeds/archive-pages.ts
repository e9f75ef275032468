import type { Db } from '../store/database.ts';
import { findFrozenPage, freezePage, settleLastModified } from './feed-document.repository.ts';
import { listFeedEntriesBetween, type FeedEntry } from '../articles/feed-entry.repository.ts';
import { archivePath, feedMediaTypes, type FeedFormat } from './feed-links.ts';
import { newestChange, type FeedPage, type FeedSettings } from './feed-page.ts';
import { buildRepresentation, hashText, type FeedRepresentation } from './feed-representation.ts';
import { renderers } from './renderers.ts';

export interface ArchiveView {
  /** Bumped by the publisher whenever what readers see may have changed. */
  generation: number;
  /** The highest feed place handed out: pages cover places 1..slotCount. */
  slotCount: number;
}

export interface ArchivePagesDeps {
  db: Db;
  settings: FeedSettings;
  pageSize: number;
  maxAgeSeconds: number;
  /** How many rendered pages to keep in memory; older ones are loaded or rendered again on demand. */
  cacheEntries: number;
}

interface CachedPage {
  generation: number;
  fingerprint: string;
  representation: FeedRepresentation;
}

/** A frozen page never changes again: readers may keep it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function archivePageCount(slotCount: number, pageSize: number): number {
  return Math.ceil(slotCount / pageSize);
}

/** Feed places `first`..`last` of archive page `n` (1 = the oldest). */
export function archivePageRange(pageNumber: number, pageSize: number): { first: number; last: number } {
  return { first: (pageNumber - 1) * pageSize + 1, last: pageNumber * pageSize };
}

/**
 * RFC 5005 archive pages. Page n holds the feed places (n-1)·size+1 .. n·size (see
 * feed.repository.ts): places only grow, so a page is full for good once a later page exists.
 * A full page is frozen the first time it is served: its bytes go to the store and are served
 * from there, to every instance, for ever, with `immutable`. An article edited or deleted
 * after its page froze keeps its frozen version there (the edit re-enters the subscription
 * document; see src/feeds/README.md). The newest page is rendered from the store and may change.
 */
export type ArchivePageFinder = (format: FeedFormat, pageNumber: number, view: ArchiveView) => Promise<FeedRepresentation | undefined>;

export function createArchivePages(deps: ArchivePagesDeps): ArchivePageFinder {
  const cache = new Map<string, CachedPage>();

  return async function findArchivePage(
    format: FeedFormat,
    pageNumber: number,
    view: ArchiveView,
  ): Promise<FeedRepresentation | undefined> {
    const lastPage = archivePageCount(view.slotCount, deps.pageSize);
    if (pageNumber > lastPage) return undefined;
    const key = `${format}:${pageNumber}`;
    const cached = cache.get(key);
    if (cached) cache.delete(key); // re-inserted below: Map order is the LRU order
    if (cached && (cached.generation === view.generation || cached.fingerprint === FROZEN)) return remember(key, cached).representation;

    const path = archivePath(format, pageNumber);
    const isFull = pageNumber < lastPage;
    if (isFull) {
      const frozen = await findFrozenPage(deps.db, path);
      if (frozen)
        return remember(key, { generation: view.generation, fingerprint: FROZEN, representation: frozenRepresentation(format, frozen) })
          .representation;
    }
    const { first, last } = archivePageRange(pageNumber, deps.pageSize);
    const entries = await listFeedEntriesBetween(deps.db, first, last);
    const fingerprint = `${isFull}|${entries.map(entryFingerprint).join(',')}`;
    if (!isFull && cached && cached.fingerprint === fingerprint)
      return remember(key, { ...cached, generation: view.generation }).representation;

    const text = renderPage(format, pageNumber, entries, isFull);
    const candidate = lastChangeOfEntries(entries);
    if (isFull) {
      const lastModified = await settleLastModified(deps.db, path, hashText(text), candidate);
      const frozen = await freezePage(deps.db, path, { body: text, lastModified, hash: hashText(text) });
      return remember(key, { generation: view.generation, fingerprint: FROZEN, representation: frozenRepresentation(format, frozen) })
        .representation;
    }
    const lastModified = await settleLastModified(deps.db, path, hashText(text), candidate);
    const representation = buildRepresentation(
      {
        text,
        lastModified,
        contentType: `${feedMediaTypes[format]}; charset=utf-8`,
        cacheControl: `public, max-age=${deps.maxAgeSeconds}`,
      },
      cached?.representation,
    );
    return remember(key, { generation: view.generation, fingerprint, representation }).representation;
  };

  function renderPage(format: FeedFormat, pageNumber: number, entries: readonly FeedEntry[], isFull: boolean): string {
    const articles = entries
      .filter((e) => !e.article.deletedAt)
      .map((e) => e.article)
      .reverse();
    const page: FeedPage = {
      articles,
      updated: newestChange(articles),
      archivePage: pageNumber,
      ...(pageNumber > 1 ? { prevArchivePage: pageNumber - 1 } : {}),
      ...(isFull ? { nextArchivePage: pageNumber + 1 } : {}),
    };
    return renderers[format](deps.settings, page);
  }

  function frozenRepresentation(format: FeedFormat, frozen: { body: string; lastModified: Date }): FeedRepresentation {
    return buildRepresentation({
      text: frozen.body,
      lastModified: frozen.lastModified,
      contentType: `${feedMediaTypes[format]}; charset=utf-8`,
      cacheControl: IMMUTABLE,
    });
  }

  function remember(key: string, entry: CachedPage): CachedPage {
    cache.set(key, entry);
    while (cache.size > deps.cacheEntries) cache.delete(cache.keys().next().value!);
    return entry;
  }
}

/** Marks a cached frozen page: it is valid whatever the generation. */
const FROZEN = 'frozen';

function entryFingerprint(e: FeedEntry): string {
  const a = e.article;
  return `${e.seq}:${a.id}:${a.publishedAt.getTime()}:${a.updatedAt?.getTime() ?? ''}:${a.deletedAt ? 'd' : ''}`;
}

/** When the page last changed: an article added, edited, published or deleted in its places. */
export function lastChangeOfEntries(entries: readonly FeedEntry[]): Date {
  let latest = 0;
  for (const { article: a } of entries) {
    for (const d of [a.publishedAt, a.createdAt, a.updatedAt, a.deletedAt]) if (d) latest = Math.max(latest, d.getTime());
  }
  return new Date(latest);
}
