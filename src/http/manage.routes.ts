import { Router } from 'express';
import type { Config } from '../config/config.schema.ts';
import { requestManageLink, type ManageLinkDeps } from '../subscribers/manage-link.service.ts';
import { manageBody } from './manage.schemas.ts';
import { acceptBody } from './request-body.ts';
import { answer, withFormErrors } from './subscription-answers.ts';
import { parseInput } from './validate-request.ts';
import { notice } from './views/subscription-views.ts';
import type { ViewRenderer } from './views/view-renderer.ts';

export interface ManageRoutesDeps {
  config: Config;
  views: ViewRenderer;
  manage: ManageLinkDeps;
}

const INTRO = 'Enter your address and we will mail you a link to change your preferences or unsubscribe.';
const ACCEPTED =
  'If this address is subscribed, a message with a link to your preferences is on its way. It may take a few minutes; look in your spam folder too.';
const MANAGE_FIELDS = Object.keys(manageBody.shape);

/**
 * "Manage without the old mail": a reader who no longer has any of our mails asks for their
 * preferences link by address. The answer never says whether the address is subscribed.
 */
export function manageRoutes(deps: ManageRoutesDeps): Router {
  const { views, manage } = deps;
  const router = Router();
  const renderForm = (email: unknown, errors: string[] = []) =>
    views.render(
      'manage',
      { intro: INTRO, email: typeof email === 'string' ? email : '', errors },
      { title: 'Manage your subscription', path: '/manage', status: errors.length ? 400 : 200 },
    );

  router.get('/manage', (req, res) => {
    answer(req, res, 200, { fields: ['email'], message: INTRO }, () => renderForm(''));
  });

  router.post('/manage', ...acceptBody(['json', 'form']), async (req, res) => {
    const sentEmail = (req.body as { email?: unknown }).email;
    await withFormErrors(
      req,
      res,
      (errors) => renderForm(sentEmail, errors),
      async () => {
        const body = parseInput(manageBody, req.body, 'the form', MANAGE_FIELDS);
        await requestManageLink(manage, { email: body.email, ip: req.ip ?? null });
        const page = notice('Check your inbox', [ACCEPTED], [{ href: '/', label: 'Read the latest articles' }]);
        answer(req, res, 202, { status: 'accepted', message: ACCEPTED }, () =>
          views.render('notice', page, { title: 'Check your inbox', status: 202 }),
        );
      },
    );
  });

  return router;
}
