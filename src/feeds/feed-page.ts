import type { Article } from '../articles/article.ts';
import { lastChangeOf } from '../articles/article.ts';
import type { Config } from '../config/config.schema.ts';
import { archivePath, feedPaths, type FeedFormat } from './feed-links.ts';

/** What every renderer needs from the configuration, read once. */
export interface FeedSettings {
  site: Config['site'];
  /** WebSub hub advertised in every subscription document; null: none. */
  hub: string | null;
  /** RSS `ttl`, kept equal to the HTTP max-age so readers poll at one rate. */
  ttlMinutes: number;
}

export function feedSettingsFrom(config: Pick<Config, 'site' | 'feeds'>): FeedSettings {
  return { site: config.site, hub: config.feeds.websubHub, ttlMinutes: Math.ceil(config.feeds.maxAgeSeconds / 60) };
}

/**
 * One document of a logical feed, format-neutral: the subscription document (the latest
 * articles) or an RFC 5005 archive page. Archive pages are numbered from 1 (the oldest).
 */
export interface FeedPage {
  /** Newest first, as readers list them. */
  articles: readonly Article[];
  /** The newest change among `articles` (never the time of rendering). */
  updated: Date;
  /** Set on an archive page: its number. Unset: the subscription document. */
  archivePage?: number;
  /** The next older archive page, if any. */
  prevArchivePage?: number;
  /** The next newer archive page, if any (archive pages only). */
  nextArchivePage?: number;
}

/** The newest change among the articles; the epoch for an empty page, so that it stays deterministic. */
export function newestChange(articles: readonly Article[]): Date {
  let newest = 0;
  for (const a of articles) newest = Math.max(newest, lastChangeOf(a).getTime());
  return new Date(newest);
}

export interface FeedPageLinks {
  self: string;
  /** The subscription document of this format. */
  current: string;
  prevArchive?: string;
  nextArchive?: string;
}

/** Absolute URLs of a page in one format: each format links to documents of its own format. */
export function feedPageLinks(baseUrl: string, format: FeedFormat, page: FeedPage): FeedPageLinks {
  const current = `${baseUrl}${feedPaths[format]}`;
  const links: FeedPageLinks = { self: page.archivePage ? `${baseUrl}${archivePath(format, page.archivePage)}` : current, current };
  if (page.prevArchivePage) links.prevArchive = `${baseUrl}${archivePath(format, page.prevArchivePage)}`;
  if (page.nextArchivePage) links.nextArchive = `${baseUrl}${archivePath(format, page.nextArchivePage)}`;
  return links;
}

export const FEED_HISTORY_NS = 'http://purl.org/syndication/history/1.0';
export const GENERATOR = 'Gazette';
