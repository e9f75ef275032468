import type { Router } from 'express';
import { z } from 'zod';
import type { Article } from '../../articles/article.ts';
import { articlePath } from '../../articles/article-url.ts';
import { parseInput } from '../validate-request.ts';
import { createConsoleFormat, type ConsoleFormat } from '../views/console-format.ts';
import type { ConsoleDeps } from './console.routes.ts';
import { actorOf, redirectDone, sendConsolePage } from './console-page.ts';

const actionForm = z.object({ _csrf: z.string() });

/** GET /admin/articles: articles by state and each seed file's problems; POST /admin/articles/rescan reads seeds/ now. */
export function registerArticleRoutes(router: Router, deps: ConsoleDeps): void {
  const fmt = createConsoleFormat(deps.config);
  router.get('/articles', async (req, res) => {
    const [state, ingest] = await Promise.all([deps.reads.articles(), deps.reads.lastIngest()]);
    const row = (a: Article) => presentArticle(a, fmt);
    sendConsolePage(
      res,
      deps.views,
      'console-articles',
      {
        total: state.total,
        published: state.published.map(row),
        embargoed: state.embargoed.map(row),
        unpublished: state.unpublished.map(row),
        seedProblems: state.seedProblems.map((f) => ({ ...f, checkedAt: fmt.dateTime(f.checkedAt) })),
        ingest: ingest.last && { ...ingest.last, at: fmt.dateTime(ingest.last.at) },
        done: req.query.done === 'rescanned',
      },
      { title: 'Articles', section: 'articles' },
    );
  });

  router.post('/articles/rescan', async (req, res) => {
    parseInput(actionForm, req.body, 'the form');
    const report = await deps.rescan();
    await deps.audit.record(actorOf(req, res), {
      action: 'articles.rescan',
      target: { kind: 'articles', id: null },
      after: {
        scanned: report.scanned,
        added: report.added,
        updated: report.updated,
        removed: report.removed,
        problems: report.problems.length,
      },
    });
    redirectDone(res, '/admin/articles', 'rescanned');
  });
}

function presentArticle(a: Article, fmt: ConsoleFormat) {
  return {
    title: a.title,
    href: articlePath(a.slug),
    sourceFile: a.sourceFile,
    publishedAt: fmt.dateTime(a.publishedAt),
    updatedAt: a.updatedAt && fmt.dateTime(a.updatedAt),
    deletedAt: a.deletedAt && fmt.dateTime(a.deletedAt),
  };
}
