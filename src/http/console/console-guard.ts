import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../../config/config.schema.ts';
import { readSession, type ConsoleSession, type ConsoleSessionDeps } from '../../admin/admin-session.service.ts';
import { GazetteError } from '../../shared/errors.ts';
import { readSessionToken } from './console-cookie.ts';

/** The one place where the console checks who is asking: every /admin route is behind these, in this order. */

/** Paths under /admin open without a session (the sign-in page and its form). */
const OPEN_PATHS = new Set(['/sign-in']);

/** Forms are small; a CSV import is the one large body (the admin API accepts the same 20 MB). */
const FORM_LIMIT = '64kb';
export const CONSOLE_IMPORT_LIMIT = '20mb';

const isSafe = (method: string): boolean => method === 'GET' || method === 'HEAD';

/** The signed-in session of this request (set by the guard; every route past it has one). */
export function sessionOf(res: Response): ConsoleSession {
  const session = res.locals.consoleSession as ConsoleSession | undefined;
  if (!session) throw new GazetteError('Unauthorized', 'Sign in to the console first.');
  return session;
}

export function consoleGuard(deps: { config: Config; sessions: ConsoleSessionDeps }): RequestHandler[] {
  const origin = new URL(deps.config.site.baseUrl).origin;

  const noStore: RequestHandler = (_req, res, next) => {
    // Pages of the console hold personal data: never cached, never indexed.
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' });
    next();
  };

  // A browser says where a form was posted from; one posted from another site is refused even
  // before the SameSite cookie and the CSRF token would stop it. Our pages send no referrer
  // (helmet's Referrer-Policy), so Chromium's Origin is then "null": Sec-Fetch-Site still tells.
  const sameOrigin: RequestHandler = (req, _res, next) => {
    if (isSafe(req.method)) return next();
    const sent = req.get('origin');
    const site = req.get('sec-fetch-site');
    if ((sent !== undefined && sent !== 'null' && sent !== origin) || (site !== undefined && site !== 'same-origin' && site !== 'none'))
      throw new GazetteError('Forbidden', 'This form was sent from another site; use the console itself.');
    next();
  };

  const requireSession: RequestHandler = async (req, res, next) => {
    const token = readSessionToken(req);
    const session = token ? await readSession(deps.sessions, token) : undefined;
    if (session) {
      res.locals.consoleSession = session;
      return next();
    }
    if (OPEN_PATHS.has(req.path)) return next();
    if (isSafe(req.method)) {
      res.redirect(303, `/admin/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    throw new GazetteError('Unauthorized', 'Sign in to the console first; nothing was changed.');
  };

  // Bodies are read only for a request that has a session (or is signing in): a stranger cannot
  // make the server read 20 MB.
  const urlencoded = express.urlencoded({ limit: FORM_LIMIT, extended: false, parameterLimit: 50 });
  const multipartRaw = express.raw({ type: 'multipart/form-data', limit: CONSOLE_IMPORT_LIMIT });
  const multipart = async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (!Buffer.isBuffer(req.body)) return next();
    // The platform's own multipart parser (undici's Response.formData), no dependency.
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': req.get('content-type') ?? '' } }).formData();
    } catch {
      throw new GazetteError('BadRequest', 'The form could not be read; send it again.');
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of form as unknown as Iterable<[string, string | Blob]>)
      fields[name] = typeof value === 'string' ? value : await value.text();
    req.body = fields;
    next();
  };

  // The synchronizer token: a changing request must carry the one issued to this session.
  const requireCsrf: RequestHandler = (req, res, next) => {
    if (isSafe(req.method) || OPEN_PATHS.has(req.path)) return next();
    const session = sessionOf(res);
    const field = (req.body as { _csrf?: unknown } | undefined)?._csrf;
    const sent = typeof field === 'string' ? field : '';
    const expected = Buffer.from(session.csrfToken);
    const given = Buffer.from(sent);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new GazetteError('Forbidden', 'This form has expired or did not come from this console; reload the page and send it again.');
    next();
  };

  const ensureBody: RequestHandler = (req, _res, next) => {
    if (req.body === undefined || typeof req.body !== 'object') req.body = {};
    next();
  };

  return [noStore, sameOrigin, requireSession, urlencoded, multipartRaw, multipart, ensureBody, requireCsrf];
}
