import { Router, type ErrorRequestHandler } from 'express';
import type { ConsoleSession, ConsoleSessionDeps } from '../../admin/admin-session.service.ts';
import type { AuditLog } from '../../admin/audit-log.service.ts';
import type { ConsoleReads } from '../../admin/console-reads.service.ts';
import type { IngestReport } from '../../articles/ingest.service.ts';
import type { Config } from '../../config/config.schema.ts';
import type { DigestFrequency } from '../../shared/frequency.ts';
import type { EditionService } from '../../editions/editions.service.ts';
import { isGazetteError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { SubscriberAdminDeps } from '../../subscribers/subscriber-admin.service.ts';
import { statusByCode } from '../error-status.ts';
import type { ViewRenderer } from '../views/view-renderer.ts';
import { registerArticleRoutes } from './console-articles.routes.ts';
import { registerAuditRoutes } from './console-audit.routes.ts';
import { registerEditionRoutes } from './console-editions.routes.ts';
import { consoleGuard } from './console-guard.ts';
import { registerOverviewRoutes } from './console-overview.routes.ts';
import { registerSignInRoutes } from './console-sign-in.routes.ts';
import { registerSubscriberRoutes } from './console-subscribers.routes.ts';

/** What the operator console is built on: the services the admin API and the CLI use, and the view layer of the public pages. */
export interface ConsoleDeps {
  config: Config;
  log: Logger;
  views: ViewRenderer;
  sessions: ConsoleSessionDeps;
  audit: AuditLog;
  editions: EditionService;
  subscriberAdmin: SubscriberAdminDeps;
  /** Reads that only the console shows (history, activity, queue, articles by state); admin/console-reads.service.ts. */
  reads: ConsoleReads;
  /** Reads seeds/ now (the scan job's operation) and refreshes the feeds. */
  rescan(): Promise<IngestReport>;
  /** Mails the next digest of a frequency to one address, marked as a test; the transport's reply. */
  sendDigestTest(frequency: DigestFrequency, to: string): Promise<string>;
}

/**
 * `/admin`: the operator console. Every route is registered on this one router, behind one guard
 * (console-guard.ts: session, body, CSRF token), so that no route can be added without it; the
 * tests walk this router's own route table. Routes translate a form into one service call and
 * an audit entry, and a result into a page.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.use(...consoleGuard({ config: deps.config, sessions: deps.sessions }));
  registerSignInRoutes(router, deps);
  registerOverviewRoutes(router, deps);
  registerSubscriberRoutes(router, deps);
  registerEditionRoutes(router, deps);
  registerArticleRoutes(router, deps);
  registerAuditRoutes(router, deps);
  router.use(consoleErrors(deps));
  return router;
}

const HEADINGS: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Sign in first',
  403: 'This form cannot be accepted',
  404: 'Not found',
  409: 'Nothing to do',
  413: 'That is too large',
  429: 'Too many attempts',
};

/** Errors under /admin, in the console's layout (the site's error middleware handles everything else). */
function consoleErrors(deps: ConsoleDeps): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent || !isGazetteError(error)) return next(error);
    const status = statusByCode[error.code];
    const session = res.locals.consoleSession as ConsoleSession | undefined;
    const retry = error.details?.retryAfterSeconds;
    if (typeof retry === 'number') res.set('Retry-After', String(Math.ceil(retry)));
    const heading = HEADINGS[status] ?? 'This cannot be done';
    const html = deps.views.render(
      'console-error',
      { status, heading, message: error.message, signedIn: Boolean(session) },
      { title: heading, status, console: { account: session && { email: session.email, csrfToken: session.csrfToken } } },
    );
    res.status(status).type('html').send(html);
  };
}
