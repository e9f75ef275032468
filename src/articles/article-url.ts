/**
 * Where an article is served: the one address the pages, the feeds and the mails link to, and
 * the route that answers it (`articlePath(':slug')`, typed as the literal so the router still
 * knows its parameter).
 */
export function articlePath<S extends string>(slug: S): `/articles/${S}` {
  return `/articles/${slug}`;
}

/** The absolute address, for links that leave the site (feeds, mail). `baseUrl` has no trailing slash. */
export function articleUrl(baseUrl: string, slug: string): string {
  return `${baseUrl}${articlePath(slug)}`;
}
