import type { Request } from 'express';

/** The label of a request that matched no route (404s, scanners): one value, whatever the path. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template a request matched ("/unsubscribe/:token"), never the raw path: metrics stay
 * bounded and logs carry no token. A route declared for several paths (the feeds) is labelled
 * with the literal path it matched, or its first parameterised one.
 */
export function routeTemplateOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (!route) return UNMATCHED_ROUTE;
  const base = req.baseUrl ?? '';
  const path = route.path;
  if (typeof path === 'string') return `${base}${path}`;
  if (Array.isArray(path)) {
    const strings = path.filter((p): p is string => typeof p === 'string');
    const literal = strings.find((p) => p === req.path);
    const template = literal ?? strings.find((p) => /[:*]/.test(p)) ?? strings[0];
    if (template !== undefined) return `${base}${template}`;
  }
  return `${base}(pattern)`;
}
