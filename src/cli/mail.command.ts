import { createCore } from '../core/create-core.ts';
import { GazetteError } from '../shared/errors.ts';
import { normalizeEmail } from '../subscribers/validate-email.ts';
import type { Command } from './command.ts';

/** `gazette mail test --to ADDRESS`: one sample message through the configured transport, to check SMTP and DKIM settings. */
export const mailCommand: Command = {
  name: 'mail',
  summary: 'Send a test message through the configured transport (mail test --to ADDRESS)',
  usage: 'gazette mail test --to ADDRESS',
  options: { to: { type: 'string', short: 't' } },
  async run(ctx) {
    if (ctx.positionals[0] !== 'test')
      throw new GazetteError('InvalidArgument', 'The only mail action is "test": gazette mail test --to ADDRESS.');
    if (typeof ctx.values.to !== 'string') throw new GazetteError('InvalidEmail', '--to must be one email address (got nothing).');
    // The same address rules as subscribing: a test message goes where a subscriber's would.
    const checked = normalizeEmail(ctx.values.to);
    if (!checked.ok) throw new GazetteError('InvalidEmail', `--to: ${checked.reason}`);
    const to = checked.value.email;
    const core = await createCore(ctx.config());
    try {
      const reply = await core.sendTestMessage(to);
      ctx.stdout.write(`Test message to ${to} via ${core.mail.transport.description}: ${reply}\n`);
      return 0;
    } finally {
      await core.close();
    }
  },
};
