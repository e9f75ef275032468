import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { Db } from '../store/database.ts';
import { deleteExpiredSessions, deleteSession, findSession, insertSession, touchSession } from './admin-session.repository.ts';
import { findAdminUserByEmail, recordAdminSignIn } from './admin-user.repository.ts';
import { adminEmailKey } from './admin-user.service.ts';
import { decoyHash, MAX_PASSWORD_LENGTH, verifyPassword } from './password-hash.ts';
import { findSignInLockout, recordSignInFailure, SIGN_IN_LIMIT } from './sign-in-limit.ts';

/**
 * Console sign-in and sessions. A session is a random 256-bit token in a cookie; the store keeps
 * only its SHA-256, with the user, a CSRF token, and its idle and absolute ends, so any instance
 * can check it and a restart keeps it. Signing out deletes the row: the cookie is then worthless
 * everywhere.
 */
export interface ConsoleSessionDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  idleMinutes: number;
  maxHours: number;
}

export interface ConsoleSession {
  userId: string;
  email: string;
  /** The synchronizer token: every changing form of this session must send it back. */
  csrfToken: string;
}

export interface SignInRequest {
  email: string;
  password: string;
  client: string;
  userAgent: string | null;
}

/** A last_seen_at younger than this is not written again: one write a minute per session, not one per request. */
const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('base64url');

const WRONG = 'The address or the password is wrong.';

/** Checks the password and starts a session; returns the cookie's token. Wrong attempts are counted and logged (never the password). */
export async function signIn(deps: ConsoleSessionDeps, request: SignInRequest): Promise<{ token: string; session: ConsoleSession }> {
  const now = deps.clock.now();
  let account: string;
  try {
    account = adminEmailKey(request.email);
  } catch {
    account = request.email.trim().toLowerCase().slice(0, 254);
  }
  const where = { client: request.client, account };
  const lockout = await findSignInLockout(deps.db, request.client, account, now);
  if (lockout !== undefined) {
    deps.log.warn({ ...where, retryAfterSeconds: lockout }, 'console: sign-in refused, too many wrong passwords');
    throw new GazetteError('RateLimited', `Too many wrong passwords; try again in ${Math.ceil(lockout / 60)} minutes.`, {
      retryAfterSeconds: lockout,
    });
  }
  const user = await findAdminUserByEmail(deps.db, account);
  // An unknown account costs the same scrypt as a known one: the timing does not tell which exist.
  const password = request.password.slice(0, MAX_PASSWORD_LENGTH);
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !valid) {
    const counts = await recordSignInFailure(deps.db, request.client, account, now);
    deps.log.warn({ ...where, ...counts, limits: SIGN_IN_LIMIT, knownAccount: Boolean(user) }, 'console: wrong address or password');
    throw new GazetteError('Unauthorized', WRONG);
  }
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await deleteExpiredSessions(deps.db, now, new Date(now.getTime() - deps.idleMinutes * 60_000));
  await insertSession(deps.db, {
    tokenHash: hashToken(token),
    userId: user.id,
    csrfToken,
    now,
    expiresAt: new Date(now.getTime() + deps.maxHours * 3600_000),
    client: request.client,
    userAgent: request.userAgent,
  });
  await recordAdminSignIn(deps.db, user.id, now);
  deps.log.info({ client: request.client, account }, 'console: signed in');
  return { token, session: { userId: user.id, email: user.email, csrfToken } };
}

/** The live session this token opens, or undefined (unknown, idle too long, or past its absolute end: then it is deleted). */
export async function readSession(deps: ConsoleSessionDeps, token: string): Promise<ConsoleSession | undefined> {
  if (token.length === 0 || token.length > 100) return undefined;
  const tokenHash = hashToken(token);
  const stored = await findSession(deps.db, tokenHash);
  if (!stored) return undefined;
  const now = deps.clock.now();
  const idleEnd = stored.lastSeenAt.getTime() + deps.idleMinutes * 60_000;
  if (now >= stored.expiresAt || now.getTime() >= idleEnd) {
    await deleteSession(deps.db, tokenHash);
    return undefined;
  }
  if (now.getTime() - stored.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await touchSession(deps.db, tokenHash, now);
  return { userId: stored.userId, email: stored.email, csrfToken: stored.csrfToken };
}

export async function signOut(deps: ConsoleSessionDeps, token: string): Promise<void> {
  await deleteSession(deps.db, hashToken(token));
}
