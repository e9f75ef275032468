/** The one place an article's public URL is spelled: feeds, pages and mail link to it. */
export function articleUrl(baseUrl: string, slug: string): string {
  return `${baseUrl}/articles/${slug}`;
}
