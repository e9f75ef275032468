import type { Article } from '../articles/article.ts';
import type { Db } from '../store/database.ts';
import { listArchiveSlots } from './feed.repository.ts';
import { feedMediaTypes, type FeedFormat } from './feed-links.ts';
import { newestChange, type FeedPage, type FeedSettings } from './feed-page.ts';
import { buildRepresentation, type FeedRepresentation } from './feed-representation.ts';
import { renderers } from './renderers.ts';

export interface ArchiveView {
  /** Bumped by the publisher whenever what readers see may have changed. */
  generation: number;
  slotCount: number;
  now: Date;
}

export interface ArchivePagesDeps {
  db: Db;
  settings: FeedSettings;
  pageSize: number;
  maxAgeSeconds: number;
  /** How many rendered pages to keep in memory; older ones are rendered again on demand. */
  cacheEntries: number;
}

interface CachedPage {
  generation: number;
  fingerprint: string;
  representation: FeedRepresentation;
}

/** A page that is full and has a newer one after it never changes again: readers may keep it for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function archivePageCount(slotCount: number, pageSize: number): number {
  return Math.ceil(slotCount / pageSize);
}

/**
 * RFC 5005 archive pages, rendered on demand and kept in a small LRU. A page is rendered again
 * only when its own slots changed (checked once per generation with a query of one page), so
 * the cost of a publish follows the feed size, not the archive size.
 */
export type ArchivePageFinder = (format: FeedFormat, pageNumber: number, view: ArchiveView) => Promise<FeedRepresentation | undefined>;

export function createArchivePages(deps: ArchivePagesDeps): ArchivePageFinder {
  const cache = new Map<string, CachedPage>();

  return async function findArchivePage(format: FeedFormat, pageNumber: number, view: ArchiveView): Promise<FeedRepresentation | undefined> {
    const lastPage = archivePageCount(view.slotCount, deps.pageSize);
    if (pageNumber > lastPage) return undefined;
    const key = `${format}:${pageNumber}`;
    const cached = cache.get(key);
    if (cached) cache.delete(key); // re-inserted below: Map order is the LRU order
    if (cached && cached.generation === view.generation) return remember(key, cached).representation;

    const slots = await listArchiveSlots(deps.db, { now: view.now, offset: (pageNumber - 1) * deps.pageSize, limit: deps.pageSize });
    const isSealed = pageNumber < lastPage;
    const fingerprint = `${isSealed}|${slots.map(slotFingerprint).join(',')}`;
    if (cached && cached.fingerprint === fingerprint) return remember(key, { ...cached, generation: view.generation }).representation;

    const articles = slots.filter((a) => !a.deletedAt).reverse();
    const page: FeedPage = {
      articles,
      updated: newestChange(articles),
      archivePage: pageNumber,
      ...(pageNumber > 1 ? { prevArchivePage: pageNumber - 1 } : {}),
      ...(isSealed ? { nextArchivePage: pageNumber + 1 } : {}),
    };
    const representation = buildRepresentation(
      {
        text: renderers[format](deps.settings, page),
        lastModified: lastChangeOfSlots(slots),
        contentType: `${feedMediaTypes[format]}; charset=utf-8`,
        cacheControl: isSealed ? IMMUTABLE : `public, max-age=${deps.maxAgeSeconds}`,
      },
      cached?.representation,
    );
    return remember(key, { generation: view.generation, fingerprint, representation }).representation;
  };

  function remember(key: string, entry: CachedPage): CachedPage {
    cache.set(key, entry);
    while (cache.size > deps.cacheEntries) cache.delete(cache.keys().next().value!);
    return entry;
  }
}

function slotFingerprint(a: Article): string {
  return `${a.id}:${a.publishedAt.getTime()}:${a.updatedAt?.getTime() ?? ''}:${a.deletedAt ? 'd' : ''}`;
}

/** When the page last changed: an article added, edited, published or deleted in its slots. */
export function lastChangeOfSlots(slots: readonly Article[]): Date {
  let latest = 0;
  for (const a of slots) {
    for (const d of [a.publishedAt, a.createdAt, a.updatedAt, a.deletedAt]) if (d) latest = Math.max(latest, d.getTime());
  }
  return new Date(latest);
}
