import { systemClock } from '../shared/clock.ts';
import { GazetteError } from '../shared/errors.ts';
import { restoreStore } from '../store/store-backup.ts';
import type { Command } from './command.ts';

/** `gazette restore FILE`: puts a backup in place of the SQLite database, with the service stopped. */
export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Put a backup in place of the SQLite database (the service must be stopped; the old file is kept)',
  usage: 'gazette restore FILE',
  options: {},
  async run(ctx) {
    const [file, ...extra] = ctx.positionals;
    if (!file || extra.length > 0)
      throw new GazetteError('InvalidArgument', 'Say which backup to restore: gazette restore FILE (one file, made by `gazette backup`).');
    const config = ctx.config();
    const result = restoreStore({ url: config.database.url, dataDir: config.paths.dataDir }, { backup: file, now: systemClock.now() });
    const lines = [`Restored ${file} into ${result.target} (${result.pages} pages, ${result.migrations} migrations; integrity check ok)`];
    lines.push(result.keptAside ? `  The database that was there is kept as ${result.keptAside}` : '  There was no database there before.');
    if (result.pending.length > 0)
      lines.push(`  ${result.pending.length} newer migration(s) will run at the next start, or run \`gazette migrate up\` now.`);
    ctx.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
