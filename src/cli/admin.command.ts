import { GazetteError } from '../shared/errors.ts';
import { addAdminUser, listAdminAccounts, removeAdminUser, resetAdminPassword } from '../admin/admin-user.service.ts';
import type { Command } from './command.ts';
import { runCoreAction, type CoreAction } from './command-action.ts';
import { readPassword } from './read-password.ts';

export const adminCommand: Command = {
  name: 'admin',
  summary: 'Console accounts: add-user EMAIL, remove-user EMAIL, list-users, reset-password EMAIL',
  usage: [
    'gazette admin add-user EMAIL         (asks for the password, or reads its first line from standard input)',
    '       gazette admin remove-user EMAIL      (also ends its sessions)',
    '       gazette admin list-users',
    '       gazette admin reset-password EMAIL   (asks for the new password; ends its sessions)',
  ].join('\n'),
  options: {},
  run: (ctx) => runCoreAction('admin', actions, ctx),
};

type Action = CoreAction;

function requireEmail(email: string | undefined): string {
  if (!email) throw new GazetteError('InvalidArgument', 'Name the account by its email address.');
  return email;
}

const actions: Record<string, Action> = {
  async 'add-user'(core, ctx, [email]) {
    const address = requireEmail(email);
    const user = await addAdminUser(core.adminUsers, address, await readPassword(process.stdin, ctx.stderr));
    ctx.stdout.write(`Added ${user.email}: they can sign in at ${core.config.site.baseUrl}/admin\n`);
    return 0;
  },

  async 'remove-user'(core, ctx, [email]) {
    await removeAdminUser(core.adminUsers, requireEmail(email));
    ctx.stdout.write(`Removed ${email}; their sessions have ended.\n`);
    return 0;
  },

  async 'list-users'(core, ctx) {
    const users = await listAdminAccounts(core.adminUsers);
    for (const u of users)
      ctx.stdout.write(`${u.email}  added ${u.createdAt.toISOString()}  last sign-in ${u.lastSignInAt?.toISOString() ?? 'never'}\n`);
    if (users.length === 0) ctx.stderr.write('No accounts yet: add one with `gazette admin add-user EMAIL`.\n');
    return 0;
  },

  async 'reset-password'(core, ctx, [email]) {
    const address = requireEmail(email);
    const { sessionsEnded } = await resetAdminPassword(core.adminUsers, address, await readPassword(process.stdin, ctx.stderr));
    ctx.stdout.write(`New password set for ${address}; ${sessionsEnded} session${sessionsEnded === 1 ? '' : 's'} ended.\n`);
    return 0;
  },
};
