import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../config/config.schema.ts';
import { FREQUENCIES, frequencyLabel } from '../shared/frequency.ts';
import { presentSubscriber } from '../subscribers/subscriber.ts';
import {
  confirmSubscription,
  previewConfirmation,
  requestSubscription,
  type SubscriptionDeps,
} from '../subscribers/subscription.service.ts';
import type { SelfServiceDeps } from '../subscribers/self-service.service.ts';
import { admitSignup, issueFormStamp, type SignupGuardDeps } from '../subscribers/signup-guard.ts';
import { acceptBody } from './request-body.ts';
import { answer, prefersHtml, withFormErrors, withTokenProblemPage } from './subscription-answers.ts';
import { subscribeBody, tokenParams } from './subscriptions.schemas.ts';
import { parseInput } from './validate-request.ts';
import { subscribeProofRoutes } from './subscribe-proof.routes.ts';
import { allowOwnScripts } from './security-headers.ts';
import { notice, presentSubscribeForm } from './views/subscription-views.ts';
import type { ViewRenderer } from './views/view-renderer.ts';

export interface SubscriptionRoutesDeps {
  config: Config;
  views: ViewRenderer;
  subscriptions: SubscriptionDeps & SelfServiceDeps;
}

export interface SubscribeRoutesDeps extends SubscriptionRoutesDeps {
  /** Honeypot, form stamp, proof of work and disposable domains (subscribers/signup-guard.ts). */
  signupGuard: SignupGuardDeps;
}

const SUBSCRIBE_FIELDS = Object.keys(subscribeBody.shape);
const emptyBody = z.object({}).strict();
const ACCEPTED =
  'If the address can receive mail, a message with a confirmation link is on its way. Nothing else is sent until the link is used.';

// eslint-disable-next-line no-control-regex -- the pattern matches control characters on purpose
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/g;

/** Who asked, for the consent record: the client address (after trust proxy) and its user agent, bounded. */
function consentOf(req: Request, source: 'form' | 'api') {
  const userAgent = req.get('user-agent')?.replace(CONTROL_CHARACTERS, '').slice(0, 500) ?? null;
  return { ip: req.ip ?? null, userAgent, source };
}

/** Subscribing and confirming (unsubscribe and preferences are in self-service.routes.ts). */
export function subscriptionRoutes(deps: SubscribeRoutesDeps): Router {
  const { config, views, subscriptions, signupGuard } = deps;
  const proofOfWork = config.subscriptions.proofOfWork.enabled;
  const router = Router();
  // The form carries a fresh stamp each time it is rendered, so the page is never cached (answer() says no-store).
  const renderForm = (values: object, errors: string[] = []) =>
    views.render('subscribe', presentSubscribeForm(views, config, values, errors, issueFormStamp(signupGuard)), {
      title: 'Subscribe',
      path: '/subscribe',
      status: errors.length ? 400 : 200,
    });
  const pageWithOwnScripts: RequestHandler = (req, res, next) => {
    if (proofOfWork && prefersHtml(req)) allowOwnScripts(res);
    next();
  };

  router.get('/subscribe', pageWithOwnScripts, (req, res) => {
    const json = {
      consentText: config.subscriptions.consentText,
      frequencies: [...FREQUENCIES],
      defaultFrequency: config.subscriptions.defaultFrequency,
      stamp: issueFormStamp(signupGuard),
      minFormSeconds: config.subscriptions.minFormSeconds,
      proofOfWork,
    };
    answer(req, res, 200, json, () => renderForm({}));
  });

  // jsonApi 'off': scripts cannot sign up at all, only the form (415 for JSON, saying so).
  const bodyTypes = config.subscriptions.jsonApi === 'off' ? (['form'] as const) : (['json', 'form'] as const);
  router.post('/subscribe', pageWithOwnScripts, ...acceptBody(bodyTypes), async (req, res) => {
    await withFormErrors(
      req,
      res,
      (errors) => renderForm(req.body as object, errors),
      async () => {
        const body = parseInput(subscribeBody, req.body, 'the subscription form', SUBSCRIBE_FIELDS);
        const frequency = body.frequency ?? config.subscriptions.defaultFrequency;
        const source = req.is('application/json') ? 'api' : 'form';
        const evidence = { email: body.email, source, stamp: body.stamp, honeypot: body.website, proof: body.altcha } as const;
        // A refused sign-up gets the very answer a real one gets: a bot learns nothing to adapt to.
        if (await admitSignup(signupGuard, evidence)) {
          await requestSubscription(subscriptions, {
            email: body.email,
            name: body.name ?? null,
            frequency,
            consent: consentOf(req, source),
          });
        }
        const page = notice('Check your inbox', [ACCEPTED, 'The link works for a limited time; if it expires, subscribe again.']);
        answer(req, res, 202, { status: 'accepted', message: ACCEPTED }, () =>
          views.render('notice', page, { title: 'Check your inbox', status: 202 }),
        );
      },
    );
  });

  router.get('/confirm/:token', async (req, res) => {
    await withTokenProblemPage(req, res, views, async () => {
      const { token } = parseInput(tokenParams, req.params, 'the link');
      const preview = await previewConfirmation(subscriptions, token);
      const json = { email: preview.email, frequency: preview.frequency, expiresAt: preview.expiresAt.toISOString() };
      const data = {
        email: preview.email,
        frequencyLabel: frequencyLabel(preview.frequency),
        expires: views.formatDate(preview.expiresAt),
        action: req.originalUrl,
      };
      answer(req, res, 200, json, () => views.render('confirm', data, { title: 'Confirm your subscription' }));
    });
  });

  router.post('/confirm/:token', ...acceptBody(['json', 'form']), async (req, res) => {
    await withTokenProblemPage(req, res, views, async () => {
      const { token } = parseInput(tokenParams, req.params, 'the link');
      parseInput(emptyBody, req.body, 'the confirmation', []);
      const { subscriber, links } = await confirmSubscription(subscriptions, token);
      const page = notice(
        'You are subscribed',
        [`${subscriber.email} will receive ${frequencyLabel(subscriber.frequency)}. A welcome mail is on its way.`],
        [
          { href: links.preferencesUrl, label: 'Change how often, or unsubscribe' },
          { href: '/', label: 'Read the latest articles' },
        ],
      );
      const json = { subscriber: presentSubscriber(subscriber), ...links };
      answer(req, res, 200, json, () => views.render('notice', page, { title: 'You are subscribed' }));
    });
  });

  router.use(subscribeProofRoutes(signupGuard));

  return router;
}
