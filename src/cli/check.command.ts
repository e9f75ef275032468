import { formatProblem } from '../articles/article.ts';
import { checkSeeds } from '../articles/check-seeds.ts';
import type { Command } from './command.ts';

export const checkCommand: Command = {
  name: 'check',
  summary: 'Validate every seed file and print each problem; exit 1 if there is any',
  usage: 'gazette check [--config FILE] [DIRECTORY]',
  options: {},
  async run(ctx) {
    const config = ctx.config();
    const dir = ctx.positionals[0] ?? config.paths.seedsDir;
    const report = await checkSeeds(dir, config.site.timezone);
    for (const p of report.problems) ctx.stdout.write(`${formatProblem(p)}\n`);
    ctx.stdout.write(`${report.files} files checked in ${dir}: ${report.valid.length} valid, ${report.problems.length} problems\n`);
    return report.problems.length > 0 ? 1 : 0;
  },
};
