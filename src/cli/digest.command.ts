import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Core } from '../core/create-core.ts';
import { nothingToSend, type EditionReport } from '../editions/editions.service.ts';
import type { DeliverReport } from '../mail/delivery.service.ts';
import { GazetteError } from '../shared/errors.ts';
import { FREQUENCIES, type DigestFrequency, type Frequency } from '../shared/frequency.ts';
import type { Command, CommandContext } from './command.ts';
import { runCoreAction } from './command-action.ts';

/** `gazette digest preview|send|status|resend`: the operator's handle on editions; the same service calls as the admin API. */
export const digestCommand: Command = {
  name: 'digest',
  summary: 'Preview, send and follow editions (preview | send | status | resend | restore | resume)',
  usage:
    'gazette digest preview --frequency F [--out DIR] | send --frequency F [--dry-run] | status [--edition ID] | resend --edition ID | restore (--edition ID | --reply TEXT) --reason TEXT | resume --edition ID',
  options: {
    frequency: { type: 'string', short: 'f' },
    'dry-run': { type: 'boolean' },
    edition: { type: 'string', short: 'e' },
    out: { type: 'string', short: 'o' },
    reply: { type: 'string' },
    reason: { type: 'string' },
  },
  run: (ctx) =>
    runCoreAction(
      'digest',
      {
        preview: (g) => preview(ctx, g),
        send: (g) => send(ctx, g),
        status: (g) => status(ctx, g),
        resend: (g) => resend(ctx, g),
        restore: (g) => restore(ctx, g),
        resume: (g) => resume(ctx, g),
      },
      ctx,
    ),
};

function frequencyOption(ctx: CommandContext, allowInstant: boolean): Frequency {
  const value = ctx.values.frequency;
  const allowed = allowInstant ? FREQUENCIES : FREQUENCIES.filter((f) => f !== 'instant');
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new GazetteError(
      'InvalidArgument',
      `--frequency must be one of ${allowed.join(', ')} (got ${value === undefined ? 'nothing' : JSON.stringify(value)}).`,
    );
  }
  return value as Frequency;
}

async function preview(ctx: CommandContext, core: Core): Promise<number> {
  const frequency = frequencyOption(ctx, false) as DigestFrequency;
  const result = await core.editions.previewNext(frequency);
  if (!result) {
    ctx.stdout.write(`${nothingToSend(frequency)}\n`);
    return 0;
  }
  const dir = typeof ctx.values.out === 'string' ? path.resolve(ctx.values.out) : path.join(core.config.paths.dataDir, 'preview');
  mkdirSync(dir, { recursive: true });
  const html = path.join(dir, `${frequency}-digest.html`);
  const text = path.join(dir, `${frequency}-digest.txt`);
  writeFileSync(html, result.html);
  writeFileSync(text, result.text);
  ctx.stdout.write(`"${result.subject}": ${result.articles} new articles\n  HTML: ${html}\n  text: ${text}\n`);
  return 0;
}

async function send(ctx: CommandContext, core: Core): Promise<number> {
  const frequency = frequencyOption(ctx, true);
  if (ctx.values['dry-run'] && frequency === 'instant')
    throw new GazetteError('InvalidArgument', '--dry-run works with --frequency daily or weekly.');
  const result = await core.editions.sendNow({ frequency, dryRun: ctx.values['dry-run'] === true });
  if (result.dryRun) {
    ctx.stdout.write(
      `Dry run: the ${frequency} edition would carry ${result.articles.length} articles to ${result.audience} subscribers.\n`,
    );
    for (const a of result.articles) ctx.stdout.write(`  ${a.publishedAt.toISOString()}  ${a.title}\n`);
    return 0;
  }
  const created = result.editions;
  if (created.length === 0) {
    ctx.stdout.write(`Nothing new for ${frequency} subscribers: no edition sent.\n`);
    return 0;
  }
  const total = created.reduce((n, c) => n + c.recipients, 0);
  const bar = ctx.stdout.isTTY
    ? new cliProgress.SingleBar(
        { format: 'sending [{bar}] {value}/{total} ({eta}s left)', stream: ctx.stdout },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0);
  let stoppedBy: DeliverReport | undefined;
  for (;;) {
    const pass = await core.mail.deliverPending({ limit: 200, onProgress: (o) => o !== 'deferred' && bar?.increment() });
    if (pass.transportDown || pass.refusal) stoppedBy = pass;
    if (pass.claimed === 0 || stoppedBy) break;
  }
  bar?.stop();
  for (const c of created) ctx.stdout.write(formatReport(await core.editions.report(c.edition.id)));
  const server = core.mail.transport.description;
  if (stoppedBy?.refusal)
    ctx.stderr.write(
      `The mail server at ${server} refused: ${stoppedBy.refusal.reply}. That is about the server or its settings, not a recipient: nobody was bounced, the rest stays queued and \`gazette serve\` sends it once the server accepts mail.\n`,
    );
  else if (stoppedBy)
    ctx.stderr.write(
      `The mail server at ${server} is unreachable: the rest stays queued and \`gazette serve\` sends it when the server is back.\n`,
    );
  return stoppedBy ? 1 : 0;
}

async function status(ctx: CommandContext, core: Core): Promise<number> {
  if (typeof ctx.values.edition === 'string') {
    const report = await core.editions.report(ctx.values.edition);
    ctx.stdout.write(formatReport(report));
    for (const u of report.undelivered)
      ctx.stdout.write(`  ${u.status.padEnd(8)} ${u.email ?? '(deleted subscriber)'}  attempts ${u.attempts}  ${u.lastReply ?? ''}\n`);
    return 0;
  }
  const reports = await core.editions.listReports(20);
  if (reports.length === 0) ctx.stdout.write('No editions yet.\n');
  for (const r of reports) ctx.stdout.write(formatReport(r));
  return 0;
}

async function resend(ctx: CommandContext, core: Core): Promise<number> {
  if (typeof ctx.values.edition !== 'string')
    throw new GazetteError('InvalidArgument', '--edition ID is required (see `gazette digest status`).');
  const { requeued } = await core.editions.resendFailed(ctx.values.edition);
  ctx.stdout.write(`${requeued} failed deliveries queued again; sent and bounced ones are untouched.\n`);
  return 0;
}

async function restore(ctx: CommandContext, core: Core): Promise<number> {
  const editionId = typeof ctx.values.edition === 'string' ? ctx.values.edition : undefined;
  const reply = typeof ctx.values.reply === 'string' && ctx.values.reply !== '' ? ctx.values.reply : undefined;
  if (!editionId && !reply)
    throw new GazetteError(
      'InvalidArgument',
      'Say which bounces to undo: --edition ID (see `gazette digest status`), --reply TEXT (part of the SMTP reply, e.g. "5.7.0"), or both.',
    );
  if (typeof ctx.values.reason !== 'string' || ctx.values.reason.trim() === '')
    throw new GazetteError('InvalidArgument', '--reason TEXT is required: it is recorded with each restored subscriber.');
  const result = await core.editions.restoreBounced({
    editionId,
    reply,
    reason: ctx.values.reason.trim(),
    actor: `cli:${userInfo().username}`,
  });
  ctx.stdout.write(
    `${result.restored} subscribers restored to confirmed, ${result.requeued} deliveries queued again${result.unchanged ? `; ${result.unchanged} matching subscribers are no longer bounced and were left as they are` : ''}.\n`,
  );
  return 0;
}

async function resume(ctx: CommandContext, core: Core): Promise<number> {
  if (typeof ctx.values.edition !== 'string') throw new GazetteError('InvalidArgument', '--edition ID is required (see `gazette status`).');
  const { resumed } = await core.editions.resume(ctx.values.edition, `cli:${userInfo().username}`);
  ctx.stdout.write(
    resumed
      ? `Edition ${ctx.values.edition} resumed: its queued deliveries are sent again.\n`
      : `Edition ${ctx.values.edition} was not stopped: nothing to resume.\n`,
  );
  return 0;
}

export function formatReport(r: EditionReport): string {
  const c = r.counts;
  const stopped = r.stopped
    ? `  STOPPED by the circuit breaker at ${r.stopped.pausedAt.toISOString()}: ${r.stopped.reason}; \`gazette digest resume --edition ${r.edition.id}\` sends the rest\n`
    : '';
  const h = r.health;
  const percent = (rate: number): string => `${Math.round(rate * 10_000) / 100} %`;
  const health = `  list health: ${h.hardBounces} hard bounces (${percent(h.hardBounceRate)}), ${h.softBounces} soft bounces (${percent(h.softBounceRate)}), ${h.complaints} complaints (${percent(h.complaintRate)})\n`;
  return `${r.edition.id}  ${r.edition.frequency.padEnd(7)} ${r.edition.createdAt.toISOString()}  ${r.articles.length} articles  ${r.total} recipients: ${c.sent} sent, ${c.queued + c.sending} queued, ${c.failed} failed, ${c.bounced} bounced, ${c.skipped} skipped\n${health}${stopped}`;
}
