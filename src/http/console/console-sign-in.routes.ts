import type { Router } from 'express';
import { z } from 'zod';
import { signIn, signOut, type ConsoleSessionDeps } from '../../admin/admin-session.service.ts';
import type { Config } from '../../config/config.schema.ts';
import { isGazetteError } from '../../shared/errors.ts';
import { statusByCode } from '../error-status.ts';
import type { ViewRenderer } from '../views/view-renderer.ts';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './console-cookie.ts';

const signInBody = z.object({
  email: z.string().max(320).default(''),
  password: z.string().max(4096).default(''),
  next: z.string().max(2000).optional(),
});

/** Only a path inside the console is followed after sign-in: never another site ("//evil", "/\\evil"). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(\/[^\\]*)?(\?.*)?$/.test(next) && !next.startsWith('//') ? next : '/admin';
}

export function registerSignInRoutes(router: Router, deps: { config: Config; views: ViewRenderer; sessions: ConsoleSessionDeps }): void {
  const { views, config } = deps;
  const page = (data: { next: string; email?: string; errors?: string[] }, status = 200): string =>
    views.render('console-sign-in', { email: '', errors: [], ...data }, { title: 'Sign in', status, console: {} });

  router.get('/sign-in', (req, res) => {
    if (res.locals.consoleSession) {
      res.redirect(303, safeNext(req.query.next));
      return;
    }
    res.type('html').send(page({ next: safeNext(req.query.next) }));
  });

  router.post('/sign-in', async (req, res) => {
    const body = signInBody.safeParse(req.body);
    const form = body.success ? body.data : { email: '', password: '', next: undefined };
    const next = safeNext(form.next);
    try {
      const { token } = await signIn(deps.sessions, {
        email: form.email,
        password: form.password,
        client: req.ip ?? 'unknown',
        userAgent: req.get('user-agent') ?? null,
      });
      setSessionCookie(res, config, token);
      res.redirect(303, next);
    } catch (error) {
      if (!isGazetteError(error) || (error.code !== 'Unauthorized' && error.code !== 'RateLimited')) throw error;
      const retry = error.details?.retryAfterSeconds;
      if (typeof retry === 'number') res.set('Retry-After', String(retry));
      res
        .status(statusByCode[error.code])
        .type('html')
        .send(page({ next, email: form.email, errors: [error.message] }, statusByCode[error.code]));
    }
  });

  router.post('/sign-out', async (req, res) => {
    const token = readSessionToken(req);
    if (token) await signOut(deps.sessions, token);
    clearSessionCookie(res, config);
    res.redirect(303, '/admin/sign-in');
  });
}
