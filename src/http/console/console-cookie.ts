import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../../config/config.schema.ts';

/** The console's session cookie: scoped to /admin, never readable by script, never sent cross-site. */
export const CONSOLE_COOKIE = 'gazette_console';

export function readSessionToken(req: Request): string | undefined {
  // Our token is base64url: no quoting or %-decoding to undo, so the header is split, not parsed.
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name === CONSOLE_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

function cookieOptions(config: Config): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    // Over plain HTTP (a local install) a Secure cookie would never come back.
    secure: config.site.baseUrl.startsWith('https://'),
    path: '/admin',
  };
}

export function setSessionCookie(res: Response, config: Config, token: string): void {
  res.cookie(CONSOLE_COOKIE, token, { ...cookieOptions(config), maxAge: config.admin.sessionMaxHours * 3600_000 });
}

export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(CONSOLE_COOKIE, cookieOptions(config));
}
