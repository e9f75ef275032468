import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { projectRoot } from '../../src/config/load-config.ts';
import { createCore } from '../../src/core/create-core.ts';
import { hashPassword, verifyPassword } from '../../src/admin/password-hash.ts';
import { addAdminUser, resetAdminPassword, removeAdminUser } from '../../src/admin/admin-user.service.ts';
import { findAdminUserByEmail } from '../../src/admin/admin-user.repository.ts';
import { insertSession } from '../../src/admin/admin-session.repository.ts';
import { makeTestConfig, writeTestConfigFile } from '../support/test-config.ts';

describe('console passwords (scrypt)', () => {
  it('verifies the right password, refuses a wrong one, and salts each hash', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    assert.notEqual(a, b, 'a fresh salt per hash');
    assert.match(a, /^scrypt\$15\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/, 'parameters and salt are stored with the hash');
    assert.equal(await verifyPassword('correct horse battery staple', a), true);
    assert.equal(await verifyPassword('correct horse battery stapl', a), false);
    assert.equal(await verifyPassword('correct horse battery staple', 'bcrypt$whatever'), false, 'an unreadable hash never matches');
    // Parameters are read from the stored value, not assumed: a hash made with other ones still verifies.
    const [, , r, p, salt] = a.split('$');
    const { scryptSync } = await import('node:crypto');
    const key = scryptSync('pw-0123456789', Buffer.from(salt!, 'base64url'), 32, { N: 2 ** 14, r: Number(r), p: Number(p) });
    assert.equal(await verifyPassword('pw-0123456789', `scrypt$14$${r}$${p}$${salt}$${key.toString('base64url')}`), true);
  });
});

describe('console accounts', () => {
  it('adds one account per address (any case), refuses short passwords, and a reset or removal ends its sessions', async (t) => {
    const { config } = makeTestConfig(t);
    const core = await createCore(config);
    t.after(() => core.close());
    const deps = core.adminUsers;
    await assert.rejects(addAdminUser(deps, 'ops@example.com', 'short'), { code: 'InvalidArgument' });
    await assert.rejects(addAdminUser(deps, 'not an address', 'long enough password'), { code: 'InvalidEmail' });
    const user = await addAdminUser(deps, 'Ops@Example.com', 'long enough password');
    assert.equal(user.email, 'ops@example.com');
    await assert.rejects(addAdminUser(deps, 'OPS@example.com', 'another long password'), { code: 'Conflict' });

    const session = (hash: string) => ({
      tokenHash: hash,
      userId: user.id,
      csrfToken: 'x',
      now: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
      client: null,
      userAgent: null,
    });
    await insertSession(core.store.db, session('a'));
    await insertSession(core.store.db, session('b'));
    assert.deepEqual(await resetAdminPassword(deps, 'ops@example.com', 'a brand new password'), { sessionsEnded: 2 });
    const stored = await findAdminUserByEmail(core.store.db, 'ops@example.com');
    assert.equal(await verifyPassword('a brand new password', stored!.passwordHash), true);
    assert.equal(await verifyPassword('long enough password', stored!.passwordHash), false);

    await insertSession(core.store.db, session('c'));
    await removeAdminUser(deps, 'OPS@example.com');
    assert.equal(await findAdminUserByEmail(core.store.db, 'ops@example.com'), undefined);
    const left = await core.store.db.selectFrom('admin_sessions').selectAll().execute();
    assert.deepEqual(left, []);
    await assert.rejects(removeAdminUser(deps, 'ops@example.com'), { code: 'NotFound' });
  });
});

function cli(t: TestContext) {
  const { configFile } = writeTestConfigFile(t, { scheduler: { enabled: false } });
  return (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), ...args],
        { cwd: projectRoot, env: { PATH: process.env.PATH, GAZETTE_CONFIG: configFile } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
      child.stdin!.end(stdin ?? '');
    });
}

describe('gazette admin', () => {
  it('adds a user with the password from standard input, lists, resets and removes it; the password never shows', async (t) => {
    const gazette = cli(t);
    const added = await gazette(['admin', 'add-user', 'ops@example.com'], 'a long secret phrase\n');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added ops@example.com/);
    assert.doesNotMatch(added.stdout + added.stderr, /a long secret phrase/);

    const again = await gazette(['admin', 'add-user', 'ops@example.com'], 'a long secret phrase\n');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has an account/);

    const empty = await gazette(['admin', 'add-user', 'other@example.com'], '');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /No password on standard input/);

    const list = await gazette(['admin', 'list-users']);
    assert.match(list.stdout, /^ops@example\.com {2}added \S+ {2}last sign-in never$/m);

    const reset = await gazette(['admin', 'reset-password', 'ops@example.com'], 'another secret phrase\n');
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /New password set for ops@example.com; 0 sessions ended/);

    assert.equal((await gazette(['admin', 'remove-user', 'ops@example.com'])).code, 0);
    const none = await gazette(['admin', 'list-users']);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /No accounts yet/);
  });
});
