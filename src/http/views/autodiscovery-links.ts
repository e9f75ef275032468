import type { Config } from '../../config/config.schema.ts';
import { feedDiscoveryLinks, feedFormatLabels, feedFormats, type FeedDiscoveryLink } from '../../feeds/feed-links.ts';

/** One feed as pages advertise it: `<link rel="alternate">` in every head, and a nav link. */
export interface FeedLink extends FeedDiscoveryLink {
  /** Short name for the nav and the footer. */
  label: string;
}

/** The feeds' own discovery links (absolute hrefs, src/feeds/feed-links.ts), which come in feedFormats order. */
export function feedLinksFor(config: Config): FeedLink[] {
  return feedDiscoveryLinks(config).map((link, i) => ({ ...link, label: feedFormatLabels[feedFormats[i]!] }));
}
