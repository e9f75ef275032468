import express, { type Express } from 'express';
import type { Config } from '../config/config.schema.ts';
import type { EditionService } from '../editions/editions.service.ts';
import type { Logger } from '../shared/logger.ts';
import type { HealthService } from '../store/health.service.ts';
import type { Readiness } from '../core/readiness.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { requestTelemetry } from './request-telemetry.ts';
import { errorMiddleware, notFoundHandler } from './error.middleware.ts';
import { healthRoutes } from './health.routes.ts';
import { assetsRoutes } from './assets.routes.ts';
import { securityHeaders } from './security-headers.ts';
import type { ViewRenderer } from './views/view-renderer.ts';
import { pagesRoutes } from './pages.routes.ts';
import type { ArticleReader } from '../articles/article-reader.service.ts';
import { subscriptionRoutes, type SubscriptionRoutesDeps } from './subscriptions.routes.ts';
import { selfServiceRoutes } from './self-service.routes.ts';
import { adminAuth } from './admin-auth.ts';
import { adminSubscriberRoutes } from './admin-subscribers.routes.ts';
import type { SubscriberAdminDeps } from '../subscribers/subscriber-admin.service.ts';
import { openApiRoutes } from './openapi.ts';
import { editionsAdminRoutes } from './editions-admin.routes.ts';
import type { FeedPublisher } from '../feeds/feed-publisher.service.ts';
import { feedsRoutes } from './feeds.routes.ts';
import { manageRoutes } from './manage.routes.ts';
import type { ReportSink } from '../list-health/delivery-report.ts';
import { bounceWebhookRoutes } from './bounce-webhooks.routes.ts';
import { adminSuppressionRoutes } from './admin-suppressions.routes.ts';
import type { SignupGuardDeps } from '../subscribers/signup-guard.ts';
import { consoleRoutes, type ConsoleDeps } from './console/console.routes.ts';

export interface AppDeps {
  config: Config;
  log: Logger;
  health: HealthService;
  /** What /readyz answers (core/readiness.ts). */
  readiness: Readiness;
  /** HTTP requests by route template and status. */
  metrics: Metrics;
  /** Editions for the admin API: send now, reports, previews, resend to failed, undoing bounces. */
  editions: EditionService;
  /** HTML pages on the site layout (src/http/views/view-renderer.ts); also renders the error pages. */
  views: ViewRenderer;
  articles: ArticleReader;
  /** Subscribe, confirm, unsubscribe, preferences (subscribers/subscription.service.ts, self-service.service.ts). */
  subscriptions: SubscriptionRoutesDeps['subscriptions'];
  /** The admin subscriber API's services (behind admin.token). */
  subscriberAdmin: SubscriberAdminDeps;
  /** The OpenAPI document served at /api/openapi.json (http/api-document.ts). */
  openApiDocument: Record<string, unknown>;
  /** RSS, Atom and JSON Feed, served from memory (feeds/feed-publisher.service.ts). */
  feeds: FeedPublisher;
  /** Applies bounce and complaint reports (list-health); without it the provider webhooks are not mounted. */
  reports?: ReportSink;
  /** Tells people from bots on the sign-up forms (subscribers/signup-guard.ts). */
  signupGuard: SignupGuardDeps;
  /** The operator console under /admin (http/console/); not mounted without it. */
  console?: ConsoleDeps;
}

/**
 * Builds the Express app; never listens (server.ts does). Routes translate HTTP into calls on the
 * services passed in here, and nothing else.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.server.trustProxy);
  // First: every request gets an id, an access line and its metrics, whatever answers it.
  app.use(requestTelemetry({ log: deps.log, metrics: deps.metrics }));
  app.set('etag', false); // feeds and pages set their own validators
  app.use(securityHeaders(deps.config));
  app.use(assetsRoutes(deps.views.stylesheet));

  app.use(healthRoutes(deps.health, deps.readiness));
  app.use(pagesRoutes({ config: deps.config, views: deps.views, articles: deps.articles, signupGuard: deps.signupGuard }));
  app.use(subscriptionRoutes({ config: deps.config, views: deps.views, subscriptions: deps.subscriptions, signupGuard: deps.signupGuard }));
  app.use(selfServiceRoutes({ config: deps.config, views: deps.views, subscriptions: deps.subscriptions }));
  app.use(manageRoutes({ config: deps.config, views: deps.views, manage: deps.subscriptions }));
  app.use(openApiRoutes(deps.openApiDocument));
  // One guard for the whole admin API: wrong tokens count together, whichever route they hit.
  const guard = adminAuth({
    token: deps.config.admin.token,
    db: deps.subscriberAdmin.db,
    clock: deps.subscriberAdmin.clock,
    log: deps.log,
  });
  app.use(adminSubscriberRoutes({ config: deps.config, admin: deps.subscriberAdmin, guard }));
  app.use(editionsAdminRoutes({ editions: deps.editions, guard }));
  // The suppression list is keyed with the admin deps' signer: no address is stored to list.
  app.use(adminSuppressionRoutes({ suppressions: deps.subscriberAdmin, guard }));
  // The operator console: one router, one guard for the whole /admin tree (console/console-guard.ts).
  if (deps.console) app.use('/admin', consoleRoutes(deps.console));
  app.use(feedsRoutes(deps.feeds));
  if (deps.reports) {
    const { db, clock, signer } = deps.subscriberAdmin;
    app.use(bounceWebhookRoutes({ config: deps.config, db, clock, signer, log: deps.log, reports: deps.reports }));
  }

  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.log, deps.views.renderErrorPage));
  return app;
}
