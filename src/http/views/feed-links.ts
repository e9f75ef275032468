import type { Config } from '../../config/config.schema.ts';

/** One feed as pages advertise it: `<link rel="alternate">` in every head and a nav link. */
export interface FeedLink {
  type: string;
  /** The autodiscovery title readers show when offering the feed. */
  title: string;
  /** Short name for the nav. */
  label: string;
  /** Absolute: readers resolve autodiscovery links against the page, but some do it wrongly. */
  href: string;
}

export function feedLinksFor(config: Config): FeedLink[] {
  const base = config.site.baseUrl;
  const site = config.site.title;
  return [
    { type: 'application/rss+xml', title: `${site} (RSS)`, label: 'RSS', href: `${base}/feed.xml` },
    { type: 'application/atom+xml', title: `${site} (Atom)`, label: 'Atom', href: `${base}/atom.xml` },
    { type: 'application/feed+json', title: `${site} (JSON Feed)`, label: 'JSON Feed', href: `${base}/feed.json` },
  ];
}
