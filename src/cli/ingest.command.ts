import { formatProblem } from '../articles/article.ts';
import { createCore } from '../core/create-core.ts';
import type { Command } from './command.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Read seeds/ once and update the store (new, changed and deleted articles)',
  usage: 'gazette ingest [--config FILE]',
  options: {},
  async run(ctx) {
    const core = await createCore(ctx.config());
    try {
      const report = await core.ingest.run();
      for (const p of report.problems) ctx.stderr.write(`${formatProblem(p)}\n`);
      ctx.stdout.write(
        `${report.scanned} files, ${report.read} read: ${report.added.length} added, ${report.updated.length} updated, ${report.removed.length} removed, ${report.problems.length} problems (${report.durationMs} ms)\n`,
      );
      return report.problems.length > 0 ? 1 : 0;
    } finally {
      await core.close();
    }
  },
};
