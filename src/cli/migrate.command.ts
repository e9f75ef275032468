import { openStore } from '../store/open-store.ts';
import { applyPendingMigrations, newerDatabaseError, readMigrationReport } from '../store/store-migrations.ts';
import { pickAction } from './command-action.ts';
import type { Command } from './command.ts';

/** `gazette migrate status|up`: the schema as a deployment step, apart from `serve`. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Show applied and pending database migrations (status), or apply the pending ones (up)',
  usage: 'gazette migrate status|up',
  options: {},
  async run(ctx) {
    const action = pickAction('migrate', { status: 'status', up: 'up' } as const, ctx.positionals[0]);
    const config = ctx.config();
    const store = await openStore({ url: config.database.url, dataDir: config.paths.dataDir, migrate: 'none' });
    try {
      const schema = store.migrationTableSchema;
      if (action === 'up') {
        const applied = await applyPendingMigrations(store.db, schema);
        ctx.stdout.write(
          applied.length === 0
            ? `Nothing to apply: ${store.location} is up to date.\n`
            : `Applied ${applied.length} migration(s) to ${store.location}:\n${applied.map((name) => `  ${name}\n`).join('')}`,
        );
        return 0;
      }
      const report = await readMigrationReport(store.db, schema);
      const lines = [`Migrations of ${store.location}:`];
      for (const m of report.migrations)
        lines.push(`  ${m.appliedAt ? `applied ${m.appliedAt.toISOString()}` : 'pending'.padEnd(32)}  ${m.name}`);
      lines.push(
        report.pending.length === 0
          ? 'Up to date.'
          : `${report.pending.length} pending: run \`gazette migrate up\` (or start \`gazette serve\`).`,
      );
      ctx.stdout.write(`${lines.join('\n')}\n`);
      if (report.unknown.length > 0) throw newerDatabaseError(report.unknown);
      return 0;
    } finally {
      await store.close();
    }
  },
};
