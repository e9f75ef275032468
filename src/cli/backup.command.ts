import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { backupStore } from '../store/store-backup.ts';
import type { Command } from './command.ts';

/** `gazette backup`: a verified copy of the SQLite database, safe while `serve` runs and sends. */
export const backupCommand: Command = {
  name: 'backup',
  summary: 'Copy the SQLite database while the service runs, verified (PostgreSQL: says which pg_dump to run)',
  usage: 'gazette backup [--output FILE (default: <dataDir>/backups/gazette-<time>.sqlite)] [--force (replace FILE if it exists)]',
  options: { output: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
  async run(ctx) {
    const config = ctx.config();
    const where = { url: config.database.url, dataDir: config.paths.dataDir };
    const output = ctx.values.output === undefined ? undefined : path.resolve(String(ctx.values.output));
    const result = await backupStore(where, { output, force: ctx.values.force === true, now: systemClock.now() });
    const lines = [
      `Backup written to ${result.file}`,
      `  ${result.bytes} bytes, ${result.pages} pages, ${result.migrations} migrations; integrity check ok; took ${Math.round(result.durationMs)} ms`,
    ];
    // Without it, a restored list's links (unsubscribe, preferences) and suppressions no longer match.
    const secretFile = path.join(config.paths.dataDir, 'secret.key');
    if (config.secret === null && existsSync(secretFile))
      lines.push(`  Keep ${secretFile} too: links in mail already sent, and the suppression list, are keyed with it.`);
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
