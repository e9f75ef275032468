import { createGazette } from '../main.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Command } from './command.ts';

/** `gazette mail test --to ADDRESS`: one sample message through the configured transport, to check SMTP and DKIM settings. */
export const mailCommand: Command = {
  name: 'mail',
  summary: 'Send a test message through the configured transport (mail test --to ADDRESS)',
  usage: 'gazette mail test --to ADDRESS',
  options: { to: { type: 'string', short: 't' } },
  async run(ctx) {
    if (ctx.positionals[0] !== 'test') throw new GazetteError('InvalidArgument', 'The only mail action is "test": gazette mail test --to ADDRESS.');
    const to = ctx.values.to;
    if (typeof to !== 'string' || !/^[^\s@<>",]+@[^\s@<>",]+$/.test(to)) throw new GazetteError('InvalidEmail', `--to must be one email address (got ${to === undefined ? 'nothing' : JSON.stringify(to)}).`);
    const gazette = await createGazette(ctx.config());
    try {
      const reply = await gazette.mail.sendTestMessage(to);
      ctx.stdout.write(`Test message to ${to} via ${gazette.mail.transport.description}: ${reply}\n`);
      return 0;
    } finally {
      await gazette.close();
    }
  },
};
