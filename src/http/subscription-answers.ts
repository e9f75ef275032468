import type { Request, Response } from 'express';
import { isGazetteError, type ErrorCode } from '../shared/errors.ts';
import { wantsHtml } from './error.middleware.ts';
import { statusByCode } from './error-status.ts';
import { sentJson } from './request-body.ts';
import { notice } from './views/subscription-views.ts';
import type { ViewRenderer } from './views/view-renderer.ts';

/** An HTML page for browsers, JSON for everyone else (and for anyone who sent JSON). */
export function prefersHtml(req: Request): boolean {
  return !sentJson(req) && wantsHtml(req);
}

/**
 * Answers of the subscription endpoints: never cached (they carry personal data or tokens), and
 * rendered as a page or JSON as the request prefers. `page` is called only when HTML is sent.
 */
export function answer(req: Request, res: Response, status: number, json: unknown, page: () => string): void {
  res.status(status).set('Cache-Control', 'no-store');
  if (prefersHtml(req)) res.type('html').send(page());
  else res.json(json);
}

const TOKEN_PROBLEMS: Partial<Record<ErrorCode, string>> = {
  InvalidToken: 'This link does not work',
  TokenExpired: 'This link has expired',
  TokenUsed: 'This link has already been used',
  SubscriberNotFound: 'There is no subscription for this link',
};

/**
 * For browsers, a bad, expired or used link gets a page that says which, and offers to subscribe
 * again or to get a fresh link to one's preferences by mail (/manage); JSON clients get the usual
 * error body from the error middleware.
 */
export async function withTokenProblemPage(req: Request, res: Response, views: ViewRenderer, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const heading = isGazetteError(error) ? TOKEN_PROBLEMS[error.code] : undefined;
    if (!heading || !isGazetteError(error) || !prefersHtml(req)) throw error;
    const status = statusByCode[error.code];
    const page = notice(
      heading,
      [error.message],
      [
        { href: '/manage', label: 'Already subscribed? Get a fresh link to your preferences' },
        { href: '/subscribe', label: 'Subscribe again' },
      ],
    );
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(views.render('notice', page, { title: heading, status }));
  }
}

/** Renders a form again with the problems listed, for browsers; anything else goes to the error middleware. */
export async function withFormErrors(
  req: Request,
  res: Response,
  renderForm: (errors: string[]) => string,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    const isFormProblem = isGazetteError(error) && ['ValidationFailed', 'InvalidEmail', 'UnknownField'].includes(error.code);
    if (!isFormProblem || !prefersHtml(req)) throw error;
    const problems = (error.details?.problems as { message: string }[] | undefined)?.map((p) => p.message) ?? [error.message];
    res.status(400).set('Cache-Control', 'no-store').type('html').send(renderForm(problems));
  }
}
