import express, { Router, type RequestHandler } from 'express';
import type { Config } from '../config/config.schema.ts';
import type { ReportSink } from '../list-health/delivery-report.ts';
import { createWebhookReceivers } from '../list-health/webhook-receivers.ts';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { LinkSigner } from '../shared/link-signer.ts';
import type { Logger } from '../shared/logger.ts';
import type { Db } from '../store/database.ts';
import { hasBody } from './request-body.ts';

export interface BounceWebhookRoutesDeps {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  /** Applies each report once (list-health); the webhooks only verify and translate. */
  reports: ReportSink;
  /** Checks the signed delivery ids the providers hand back. */
  signer: LinkSigner;
}

/** SNS allows messages up to 256 KB; Postmark and Mailgun events are far smaller. */
const WEBHOOK_BODY_LIMIT = '256kb';

/** A JSON body within the limit; SNS posts its JSON as text/plain, so that route also takes it. */
function jsonBody(mediaTypes: readonly string[]): RequestHandler[] {
  const gate: RequestHandler = (req, _res, next) => {
    if (!hasBody(req)) throw new GazetteError('BadRequest', 'Send the event as a JSON body.');
    if (!req.is([...mediaTypes])) throw new GazetteError('UnsupportedMediaType', `Send the body as ${mediaTypes.join(' or ')}.`);
    next();
  };
  return [gate, express.json({ type: [...mediaTypes], limit: WEBHOOK_BODY_LIMIT, strict: true })];
}

/**
 * Provider webhooks for bounces and complaints (README "Bounce and complaint webhooks"). A route
 * exists only for a provider that is configured; anything not verified answers 403 and applies nothing.
 */
export function bounceWebhookRoutes(deps: BounceWebhookRoutesDeps): Router {
  const receivers = createWebhookReceivers({ settings: deps.config.bounces.webhooks, ...deps });
  const router = Router();
  const { ses, postmark, mailgun } = receivers;
  if (ses)
    router.post('/webhooks/ses', ...jsonBody(['application/json', 'text/plain']), async (req, res) => {
      res.status(200).json(await ses(req.body));
    });
  if (postmark)
    router.post('/webhooks/postmark', ...jsonBody(['application/json']), async (req, res) => {
      res.status(200).json({ status: 'received', ...(await postmark(req.get('authorization'), req.body)) });
    });
  if (mailgun)
    router.post('/webhooks/mailgun', ...jsonBody(['application/json']), async (req, res) => {
      res.status(200).json({ status: 'received', ...(await mailgun(req.body)) });
    });
  return router;
}
