import type { Config } from '../config/config.schema.ts';

/** The three feed formats Gazette publishes. */
export type FeedFormat = 'rss' | 'atom' | 'json';

export const feedFormats: readonly FeedFormat[] = ['rss', 'atom', 'json'];

/** Where each subscription document is served, and its media type (always with charset=utf-8). */
export const feedPaths: Readonly<Record<FeedFormat, string>> = {
  rss: '/feed.xml',
  atom: '/atom.xml',
  json: '/feed.json',
};

export const feedMediaTypes: Readonly<Record<FeedFormat, string>> = {
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  json: 'application/feed+json',
};

const archiveExtensions: Readonly<Record<FeedFormat, string>> = { rss: 'rss.xml', atom: 'atom.xml', json: 'json' };

/** How readers and pages name each format. */
export const feedFormatLabels: Readonly<Record<FeedFormat, string>> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

/** Path of RFC 5005 archive page `page` (1 = the oldest articles) of one format. */
export function archivePath(format: FeedFormat, page: number): string {
  return `/feeds/archive/${page}.${archiveExtensions[format]}`;
}

/** Reads an archive path back into its format and page number; undefined if it is not one. */
export function parseArchivePath(path: string): { format: FeedFormat; page: number } | undefined {
  const match = /^\/feeds\/archive\/([1-9][0-9]{0,8})\.(rss\.xml|atom\.xml|json)$/.exec(path);
  if (!match) return undefined;
  const format = feedFormats.find((f) => archiveExtensions[f] === match[2])!;
  return { format, page: Number(match[1]) };
}

export interface FeedDiscoveryLink {
  rel: 'alternate';
  /** Media type without parameters, as autodiscovery expects (`application/rss+xml`). */
  type: string;
  /** What a reader shows in its "subscribe" menu: the site title and the format. */
  title: string;
  /** Absolute URL of the feed. */
  href: string;
}

/**
 * The `<link rel="alternate">` data for every page's `<head>`, one per feed, in the order
 * readers usually prefer (RSS, Atom, JSON Feed). Values are raw: the page template escapes them.
 */
export function feedDiscoveryLinks(config: Pick<Config, 'site'>): FeedDiscoveryLink[] {
  return feedFormats.map((format) => ({
    rel: 'alternate',
    type: feedMediaTypes[format],
    title: `${config.site.title} (${feedFormatLabels[format]})`,
    href: `${config.site.baseUrl}${feedPaths[format]}`,
  }));
}
