import type { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../validate-request.ts';
import { createConsoleFormat } from '../views/console-format.ts';
import type { ConsoleDeps } from './console.routes.ts';
import { sendConsolePage } from './console-page.ts';

const PAGE_SIZE = 50;
const query = z.object({
  page: z
    .string()
    .regex(/^[1-9][0-9]{0,6}$/)
    .optional(),
});

/** GET /admin/audit: every change made from the console, newest first. */
export function registerAuditRoutes(router: Router, deps: ConsoleDeps): void {
  const fmt = createConsoleFormat(deps.config);
  router.get('/audit', async (req, res) => {
    const page = Number(parseInput(query, req.query, 'the query').page ?? 1);
    const { total, items } = await deps.audit.list({ page, pageSize: PAGE_SIZE });
    const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
    sendConsolePage(
      res,
      deps.views,
      'console-audit',
      {
        total,
        entries: items.map((e) => ({
          ...e,
          at: fmt.dateTime(e.at),
          href:
            e.targetId && (e.targetKind === 'subscriber' || e.targetKind === 'edition') ? `/admin/${e.targetKind}s/${e.targetId}` : null,
          before: e.before === null ? '' : JSON.stringify(e.before),
          after: e.after === null ? '' : JSON.stringify(e.after),
        })),
        previous: page > 1 ? `/admin/audit?page=${page - 1}` : null,
        next: page < pageCount ? `/admin/audit?page=${page + 1}` : null,
      },
      { title: 'Audit log', section: 'audit' },
    );
  });
}
