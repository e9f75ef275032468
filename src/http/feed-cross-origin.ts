/**
 * What lets a feed reader running in a web page (another origin) read the feeds and archive
 * pages: any origin may read them (they are public, and no cookie or credential is involved),
 * the validators a reader needs for conditional GET are exposed, and the resource may be loaded
 * cross-origin despite helmet's `Cross-Origin-Resource-Policy: same-origin` on everything else.
 * Plain data, no Express: whatever serves a feed sends exactly these headers.
 * Pages and the API do not get them: they stay same-origin.
 */
export const feedCrossOriginHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Last-Modified, Link',
  'Cross-Origin-Resource-Policy': 'cross-origin',
});

/** The methods a feed or archive page answers; anything else is 405 with this as `Allow`. */
export const FEED_METHODS = 'GET, HEAD, OPTIONS';

/**
 * The answer to a CORS preflight (OPTIONS, 204) on a feed, beside feedCrossOriginHeaders: a page
 * sending its own If-None-Match or If-Modified-Since triggers one. Cached by the browser for a day.
 */
export const feedPreflightHeaders: Readonly<Record<string, string>> = Object.freeze({
  Allow: FEED_METHODS,
  'Access-Control-Allow-Methods': 'GET, HEAD',
  'Access-Control-Allow-Headers': 'If-None-Match, If-Modified-Since, Cache-Control',
  'Access-Control-Max-Age': '86400',
});
