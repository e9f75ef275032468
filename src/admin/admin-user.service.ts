import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Db } from '../store/database.ts';
import { normalizeEmail } from '../subscribers/validate-email.ts';
import { deleteSessionsOfUser } from './admin-session.repository.ts';
import {
  deleteAdminUser,
  findAdminUserByEmail,
  insertAdminUser,
  listAdminUsers,
  updateAdminPassword,
  type AdminUser,
} from './admin-user.repository.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash.ts';

/** The people who may sign in to the console: `gazette admin add-user|remove-user|list-users|reset-password`. */
export interface AdminUserDeps {
  db: Db;
  clock: Clock;
}

/** Account addresses are compared whole and case-insensitively: one account per person. */
export function adminEmailKey(input: string): string {
  const checked = normalizeEmail(input);
  if (!checked.ok) throw new GazetteError('InvalidEmail', checked.reason);
  return checked.value.email.toLowerCase();
}

/** Why a password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `The password must have at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (password.trim() !== password) return 'The password starts or ends with a space; leave those out.';
  return undefined;
}

function requireGoodPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new GazetteError('InvalidArgument', problem);
}

export async function addAdminUser(deps: AdminUserDeps, email: string, password: string): Promise<AdminUser> {
  const key = adminEmailKey(email);
  requireGoodPassword(password);
  const now = deps.clock.now();
  const id = randomUUID();
  if (!(await insertAdminUser(deps.db, { id, email: key, passwordHash: await hashPassword(password), now })))
    throw new GazetteError('Conflict', `${key} already has an account; use reset-password to change its password.`);
  return { id, email: key, createdAt: now, passwordChangedAt: now, lastSignInAt: null };
}

/** Removes the account and ends every session it has, on every instance (they are in the store). */
export async function removeAdminUser(deps: AdminUserDeps, email: string): Promise<void> {
  const user = await requireAdminUser(deps, email);
  await deps.db.transaction().execute(async (trx) => {
    await deleteSessionsOfUser(trx, user.id);
    await deleteAdminUser(trx, user.id);
  });
}

/** Sets a new password and signs the account out everywhere: whoever knew the old one is out. */
export async function resetAdminPassword(deps: AdminUserDeps, email: string, password: string): Promise<{ sessionsEnded: number }> {
  const user = await requireAdminUser(deps, email);
  requireGoodPassword(password);
  const hash = await hashPassword(password);
  return deps.db.transaction().execute(async (trx) => {
    await updateAdminPassword(trx, user.id, hash, deps.clock.now());
    return { sessionsEnded: await deleteSessionsOfUser(trx, user.id) };
  });
}

export function listAdminAccounts(deps: AdminUserDeps): Promise<AdminUser[]> {
  return listAdminUsers(deps.db);
}

async function requireAdminUser(deps: AdminUserDeps, email: string): Promise<AdminUser> {
  const user = await findAdminUserByEmail(deps.db, adminEmailKey(email));
  if (!user) throw new GazetteError('NotFound', `No account has the address ${adminEmailKey(email)}.`);
  return user;
}
