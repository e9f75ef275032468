import { listSeedProblems } from '../articles/seed-file.repository.ts';
import { createCore } from '../core/create-core.ts';
import { readServiceStatus } from '../scheduler/service-status.ts';
import type { Command } from './command.ts';

/** `gazette status`: what the running service is doing, read from the store (works beside `serve`). */
export const statusCommand: Command = {
  name: 'status',
  summary: 'Show each scheduled job (last run, result, next run), the delivery queue and the last ingest',
  usage: 'gazette status [--json]',
  options: { json: { type: 'boolean' } },
  async run(ctx) {
    const config = ctx.config();
    const core = await createCore(config);
    const { db } = core.store;
    try {
      const status = await readServiceStatus(db, config, core.clock.now());
      const ingest = (await core.ingest.lastRun()) ?? null;
      const problems = await listSeedProblems(db);
      if (ctx.values.json) {
        ctx.stdout.write(`${JSON.stringify({ ...status, ingest: ingest && { ...ingest, problems: problems.length } }, null, 2)}\n`);
        return 0;
      }
      const lines = [`Scheduler: ${status.scheduler.enabled ? 'enabled' : 'disabled'} (times in ${status.scheduler.timeZone})`];
      for (const job of status.scheduler.jobs) {
        const never = job.everyInstance ? 'on every instance, see its /healthz' : 'never run';
        const last = job.lastFinishedAt ? `${job.lastStatus} at ${job.lastFinishedAt}${job.lastError ? ` (${job.lastError})` : ''}` : never;
        lines.push(
          `  ${job.name.padEnd(8)} ${job.cron.padEnd(14)} last: ${last}${job.running ? ', running now' : ''}; next: ${job.nextRunAt ?? '-'}`,
        );
      }
      lines.push(`Delivery queue: ${status.deliveryQueue.pending} message(s) waiting`);
      const paused = status.deliveryQueue.paused;
      if (paused)
        lines.push(
          `  Sending PAUSED since ${paused.since}: the SMTP server ${paused.reason === 'unreachable' ? 'is unreachable' : 'refused'}: ${paused.reply}. Nobody was bounced; it resumes by itself once the server accepts a message (next try ${paused.nextProbeAt}).`,
        );
      for (const e of status.deliveryQueue.stoppedEditions)
        lines.push(
          `  Edition ${e.editionId} STOPPED by the bounce circuit breaker at ${e.pausedAt}: ${e.reason}. Resume it with \`gazette digest resume --edition ${e.editionId}\`.`,
        );
      lines.push(
        ingest ? `Last ingest: ${ingest.at.toISOString()}, ${ingest.scanned} files, ${problems.length} problem(s)` : 'Last ingest: never',
      );
      ctx.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await core.close();
    }
  },
};
