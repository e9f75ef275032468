import type { Request, Response } from 'express';
import type { AuditActor } from '../../admin/audit-log.service.ts';
import type { ConsoleFrame, ViewRenderer } from '../views/view-renderer.ts';
import { sessionOf } from './console-guard.ts';

/** Sends one console page in the console layout, for the signed-in account. */
export function sendConsolePage(
  res: Response,
  views: ViewRenderer,
  template: string,
  data: object,
  meta: { title: string; section?: ConsoleFrame['section']; status?: number },
): void {
  const session = sessionOf(res);
  const html = views.render(
    template,
    { ...data, csrfToken: session.csrfToken },
    {
      title: meta.title,
      status: meta.status,
      console: { account: { email: session.email, csrfToken: session.csrfToken }, section: meta.section },
    },
  );
  res
    .status(meta.status ?? 200)
    .type('html')
    .send(html);
}

/** Who is making this change, for the audit log. */
export function actorOf(req: Request, res: Response): AuditActor {
  return { email: sessionOf(res).email, client: req.ip ?? null };
}

/** A short confirmation shown once after a change (Post/Redirect/Get): `?done=<key>` on the page redirected to. */
export function redirectDone(res: Response, path: string, done: string): void {
  const url = new URL(path, 'http://console');
  url.searchParams.set('done', done);
  res.redirect(303, `${url.pathname}${url.search}`);
}
