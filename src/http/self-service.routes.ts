import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  checkManageToken,
  deleteSubscriberData,
  exportSubscriberData,
  readPreferences,
  unsubscribe,
  updatePreferences,
} from '../subscribers/self-service.service.ts';
import { presentSubscriber } from '../subscribers/subscriber.ts';
import { acceptBody } from './request-body.ts';
import { answer, withFormErrors, withTokenProblemPage } from './subscription-answers.ts';
import type { SubscriptionRoutesDeps } from './subscriptions.routes.ts';
import { preferencesBody, tokenParams } from './subscriptions.schemas.ts';
import { parseInput } from './validate-request.ts';
import { notice, presentPreferences } from './views/subscription-views.ts';

const UNSUBSCRIBED = 'You will receive no more mail from us at this address.';

/**
 * What the link in every mail leads to. The token is the credential: no cookie, no login, no
 * CSRF token (RFC 8058 forbids them for one-click, and the token itself is unguessable).
 */
export function selfServiceRoutes(deps: SubscriptionRoutesDeps): Router {
  const { views, subscriptions } = deps;
  const router = Router();
  const tokenOf = (req: Request): string => parseInput(tokenParams, req.params, 'the link').token;
  const unsubscribedPage = () =>
    views.render('notice', notice('You are unsubscribed', [UNSUBSCRIBED], [{ href: '/subscribe', label: 'Subscribe again' }]), {
      title: 'Unsubscribed',
    });

  // GET changes nothing: corporate mail scanners fetch every link in a message.
  router.get('/unsubscribe/:token', async (req, res) => {
    await withTokenProblemPage(req, res, views, async () => {
      const links = checkManageToken(subscriptions, tokenOf(req));
      const data = { action: req.originalUrl, preferencesHref: links.preferencesUrl };
      answer(req, res, 200, { ...links, method: 'POST' }, () => views.render('unsubscribe', data, { title: 'Unsubscribe' }));
    });
  });

  // RFC 8058 one-click and the page's button alike: whatever the body says, the POST unsubscribes, 200, no redirect.
  router.post('/unsubscribe/:token', ...acceptBody(['form', 'multipart', 'json']), async (req, res) => {
    await withTokenProblemPage(req, res, views, async () => {
      const status = await unsubscribe(subscriptions, tokenOf(req));
      answer(req, res, 200, { status }, unsubscribedPage);
    });
  });

  router.get('/preferences/:token', async (req, res) => {
    await withTokenProblemPage(req, res, views, async () => {
      const { subscriber, links } = await readPreferences(subscriptions, tokenOf(req));
      const page = () =>
        views.render('preferences', presentPreferences(views, subscriber, req.originalUrl), { title: 'Your subscription' });
      answer(req, res, 200, { subscriber: presentSubscriber(subscriber), ...links }, page);
    });
  });

  router.post('/preferences/:token', ...acceptBody(['json', 'form']), async (req, res) => {
    await withTokenProblemPage(req, res, views, async () => {
      const token = tokenOf(req);
      const { subscriber } = await readPreferences(subscriptions, token);
      const renderForm = (errors: string[]) =>
        views.render('preferences', presentPreferences(views, subscriber, req.originalUrl, { errors }), {
          title: 'Your subscription',
          status: 400,
        });
      await withFormErrors(req, res, renderForm, async () => {
        const body = parseInput(preferencesBody, req.body, 'the preferences form', ['action', 'name', 'frequency', 'confirm']);
        await runPreferencesAction(deps, req, res, token, body);
      });
    });
  });

  return router;
}

async function runPreferencesAction(
  deps: SubscriptionRoutesDeps,
  req: Request,
  res: Response,
  token: string,
  body: z.output<typeof preferencesBody>,
): Promise<void> {
  const { views, subscriptions } = deps;
  if (body.action === 'update') {
    const changes = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.frequency ? { frequency: body.frequency } : {}) };
    const { subscriber, links } = await updatePreferences(subscriptions, token, changes);
    const page = () =>
      views.render('preferences', presentPreferences(views, subscriber, req.originalUrl, { notice: 'Your preferences are saved.' }), {
        title: 'Your subscription',
      });
    return answer(req, res, 200, { subscriber: presentSubscriber(subscriber), ...links }, page);
  }
  if (body.action === 'unsubscribe') {
    const status = await unsubscribe(subscriptions, token);
    const page = notice('You are unsubscribed', [UNSUBSCRIBED], [{ href: req.originalUrl, label: 'Back to your preferences' }]);
    return answer(req, res, 200, { status }, () => views.render('notice', page, { title: 'Unsubscribed' }));
  }
  if (body.action === 'export') {
    const data = await exportSubscriberData(subscriptions, token);
    res.status(200).set({ 'Cache-Control': 'no-store', 'Content-Disposition': 'attachment; filename="my-subscription-data.json"' });
    res.type('json').send(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  await deleteSubscriberData(subscriptions, token);
  const page = notice(
    'Your data is deleted',
    ['Your address and everything we stored about it are gone. Links in earlier mails no longer lead anywhere.'],
    [{ href: '/subscribe', label: 'Subscribe again' }],
  );
  answer(req, res, 200, { status: 'deleted' }, () => views.render('notice', page, { title: 'Data deleted' }));
}
