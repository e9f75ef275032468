import express, { type Express } from 'express';
import type { Config } from '../config/config.schema.ts';
import type { Logger } from '../shared/logger.ts';
import type { HealthService } from '../store/health.service.ts';
import { errorMiddleware, notFoundHandler, plainErrorPage, type ErrorPageRenderer } from './error.middleware.ts';
import { healthRoutes } from './health.routes.ts';
import type { FeedPublisher } from '../feeds/feed-publisher.service.ts';
import { feedsRoutes } from './feeds.routes.ts';

export interface AppDeps {
  config: Config;
  log: Logger;
  health: HealthService;
  renderErrorPage?: ErrorPageRenderer;
  feeds?: FeedPublisher;
}

/**
 * Builds the Express app; never listens (main.ts does). Routes translate HTTP into calls on the
 * services passed in here, and nothing else.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.server.trustProxy);
  app.set('etag', false); // feeds and pages set their own validators

  app.use(healthRoutes(deps.health));
  if (deps.feeds) app.use(feedsRoutes(deps.feeds));

  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.log, deps.renderErrorPage ?? plainErrorPage));
  return app;
}
