import type { FeedFormat } from './feed-links.ts';
import type { FeedPage, FeedSettings } from './feed-page.ts';
import { renderAtom } from './render-atom.ts';
import { renderJsonFeed } from './render-json-feed.ts';
import { renderRss } from './render-rss.ts';

/** The pure renderer of each format: same settings and page, same bytes. */
export const renderers: Readonly<Record<FeedFormat, (settings: FeedSettings, page: FeedPage) => string>> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};
