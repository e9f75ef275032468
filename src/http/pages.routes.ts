import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ArticleReader } from '../articles/article-reader.service.ts';
import { articlePath } from '../articles/article-url.ts';
import type { Config } from '../config/config.schema.ts';
import { GazetteError } from '../shared/errors.ts';
import { homePagePath, presentArticle, presentHomePage } from './views/article-views.ts';
import type { ViewRenderer } from './views/view-renderer.ts';
import { issueFormStamp, type SignupGuardDeps } from '../subscribers/signup-guard.ts';

export interface PagesDeps {
  config: Config;
  views: ViewRenderer;
  articles: ArticleReader;
  /** Stamps the home page's subscribe form (subscribers/signup-guard.ts). */
  signupGuard: SignupGuardDeps;
}

const homeQuery = z.object({
  page: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/)
    .optional(),
});

/** The reader-facing HTML pages: `/` (newest first, paginated) and `/articles/:slug`. */
export function pagesRoutes(deps: PagesDeps): Router {
  const { views, articles, config } = deps;
  const router = Router();

  router.get('/', async (req, res) => {
    const query = homeQuery.safeParse(req.query);
    if (!query.success) throw new GazetteError('BadRequest', 'The page number must be a whole number from 1, such as ?page=2.');
    const list = await articles.listPage(Number(query.data.page ?? 1), config.pages.pageSize);
    // A fresh form stamp on each render: the page's ETag changes each time, so it is never answered 304.
    const data = presentHomePage(list, views, config, issueFormStamp(deps.signupGuard));
    const html = views.render('home', data, { title: list.page === 1 ? undefined : data.heading, path: homePagePath(list.page) });
    sendPage(res, html);
  });

  // The same path every link to an article is built with (articles/article-url.ts).
  router.get(articlePath(':slug'), async (req, res) => {
    const article = await articles.readArticle(req.params.slug);
    const html = views.render('article', presentArticle(article, views), {
      title: article.title,
      description: article.summary,
      path: articlePath(article.slug),
      ogType: 'article',
    });
    sendPage(res, html);
  });

  return router;
}

/**
 * Pages are revalidated on every visit (they change with new articles, edits, embargoes and
 * config) but cost a 304 when unchanged; res.send answers 304 itself when If-None-Match matches.
 * No Last-Modified: the article's change time would miss template and config changes, and a
 * client sending only If-Modified-Since would then keep a stale page.
 */
function sendPage(res: Response, html: string): void {
  res.set('Cache-Control', 'no-cache');
  res.set('ETag', `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`);
  res.type('html').send(html);
}
