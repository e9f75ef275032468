import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatProblem } from '../articles/article.ts';
import { listLiveArticleOwners } from '../articles/article.repository.ts';
import { checkSeeds } from '../articles/check-seeds.ts';
import type { StoredArticle } from '../articles/plan-seed-changes.ts';
import type { Config } from '../config/config.schema.ts';
import { isPostgresUrl, openStore, sqlitePath } from '../store/open-store.ts';
import type { Command } from './command.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Validate every seed file and print each problem; exit 1 if there is any',
  usage: 'gazette check [--config FILE] [DIRECTORY]',
  options: {},
  async run(ctx) {
    const config = ctx.config();
    const dir = ctx.positionals[0] ?? config.paths.seedsDir;
    // The configured directory is judged against what the store publishes, as the ingest judges
    // it; another directory is judged as a first ingest would judge it.
    const isPublishedDir = path.resolve(dir) === path.resolve(config.paths.seedsDir);
    const report = await checkSeeds(dir, config.site.timezone, isPublishedDir ? await readPublished(config) : []);
    for (const p of report.problems) ctx.stdout.write(`${formatProblem(p)}\n`);
    for (const slug of report.wouldRemove)
      ctx.stdout.write(`${slug}: published, but no file holds it any more: the next ingest unpublishes it\n`);
    ctx.stdout.write(`${report.files} files checked in ${dir}: ${report.valid.length} valid, ${report.problems.length} problems\n`);
    return report.problems.length > 0 ? 1 : 0;
  },
};

/** The articles the store holds, read only; none when no store exists yet (check never creates one). */
async function readPublished(config: Config): Promise<StoredArticle[]> {
  const where = { url: config.database.url, dataDir: config.paths.dataDir };
  if (!isPostgresUrl(where.url) && !existsSync(sqlitePath(where))) return [];
  const store = await openStore({ ...where, migrate: config.database.migrateOnStart ? 'latest' : 'refuse-pending' });
  try {
    return await listLiveArticleOwners(store.db);
  } finally {
    await store.close();
  }
}
