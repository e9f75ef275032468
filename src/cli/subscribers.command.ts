import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { FREQUENCIES, type Frequency } from '../shared/frequency.ts';
import { GazetteError } from '../shared/errors.ts';
import { exportSubscribersCsv } from '../subscribers/csv-export.ts';
import { importSubscribersCsv, type CsvImportReport } from '../subscribers/csv-import.ts';
import { presentSubscriber, subscriberStatuses } from '../subscribers/subscriber.ts';
import { listSubscribers, subscriberStats } from '../subscribers/subscriber-admin.service.ts';
import { liftSuppression } from '../subscribers/suppression.service.ts';
import type { Command, CommandContext } from './command.ts';
import { runCoreAction, type CoreAction } from './command-action.ts';

/** Files above this size get a progress bar when stderr is a terminal. */
const PROGRESS_BAR_BYTES = 256 * 1024;

export const subscribersCommand: Command = {
  name: 'subscribers',
  summary: "Manage the list: list, import FILE, export, stats, unsuppress ADDRESS (the admin API's operations)",
  usage: [
    'gazette subscribers list [--status S] [--frequency F] [--search TEXT] [--page N] [--page-size N] [--json]',
    '       gazette subscribers import FILE|- [--consent-source TEXT]   (rows are pending unless a consent source is stated; exit 1 if a row is invalid)',
    '       gazette subscribers export [--output FILE]',
    '       gazette subscribers stats   (JSON: counts by status and frequency, and sign-ups refused as automated by reason)',
    '       gazette subscribers unsuppress ADDRESS   (lets a deleted or complained address sign up or be imported again)',
  ].join('\n'),
  options: {
    status: { type: 'string' },
    frequency: { type: 'string' },
    search: { type: 'string' },
    page: { type: 'string' },
    'page-size': { type: 'string' },
    json: { type: 'boolean' },
    'consent-source': { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  run: (ctx) => runCoreAction('subscribers', actions, ctx),
};

type Action = CoreAction;

const actions: Record<string, Action> = {
  async list(core, ctx) {
    const page = await listSubscribers(core.subscriberAdmin, {
      status: oneOf(ctx.values.status, subscriberStatuses, 'status'),
      frequency: oneOf<Frequency>(ctx.values.frequency, FREQUENCIES, 'frequency'),
      query: typeof ctx.values.search === 'string' ? ctx.values.search : undefined,
      page: wholeNumber(ctx.values.page, 'page', 1),
      pageSize: wholeNumber(ctx.values['page-size'], 'page-size', 50),
    });
    for (const s of page.items) {
      ctx.stdout.write(
        ctx.values.json
          ? `${JSON.stringify(presentSubscriber(s))}\n`
          : `${s.id}  ${s.status.padEnd(12)} ${s.frequency.padEnd(7)} ${s.email}${s.name ? `  (${s.name})` : ''}\n`,
      );
    }
    if (!ctx.values.json)
      ctx.stderr.write(`${page.items.length} of ${page.total} subscribers (page ${page.page}, ${page.pageSize} per page)\n`);
    return 0;
  },

  async import(core, ctx, [file]) {
    if (!file) throw new GazetteError('InvalidArgument', 'Name the CSV file to import (or - for standard input).');
    if (file !== '-' && !existsSync(file)) throw new GazetteError('InvalidArgument', `There is no file ${file}.`);
    const size = file === '-' ? 0 : statSync(file).size;
    const bar =
      size >= PROGRESS_BAR_BYTES && ctx.stderr.isTTY
        ? new cliProgress.SingleBar(
            { stream: ctx.stderr, format: 'Importing |{bar}| {percentage}% | {rows} rows' },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    bar?.start(size, 0, { rows: 0 });
    const report = await importSubscribersCsv(core.store.db, file === '-' ? process.stdin : createReadStream(file), {
      now: core.clock.now(),
      defaultFrequency: core.config.subscriptions.defaultFrequency,
      consentSource: typeof ctx.values['consent-source'] === 'string' ? ctx.values['consent-source'] : null,
      signer: core.signer,
      onProgress: bar && (({ rows, bytes }) => bar.update(bytes, { rows })),
    }).finally(() => bar?.stop());
    writeImportReport(ctx, file, report);
    return report.invalid.length > 0 ? 1 : 0;
  },

  async export(core, ctx) {
    const out = typeof ctx.values.output === 'string' ? createWriteStream(ctx.values.output) : ctx.stdout;
    await pipeline(exportSubscribersCsv(core.store.db), out, { end: out !== ctx.stdout });
    return 0;
  },

  async stats(core, ctx) {
    ctx.stdout.write(`${JSON.stringify(await subscriberStats(core.subscriberAdmin), null, 2)}\n`);
    return 0;
  },

  async unsuppress(core, ctx, [address]) {
    if (!address) throw new GazetteError('InvalidArgument', 'Name the address whose suppression to lift.');
    await liftSuppression(core.subscriberAdmin, address, `cli:${userInfo().username}`);
    ctx.stdout.write('Suppression lifted: the address may sign up or be imported again.\n');
    return 0;
  },
};

function writeImportReport(ctx: CommandContext, file: string, report: CsvImportReport): void {
  for (const { line, reason } of report.invalid) ctx.stderr.write(`${file}:${line}: ${reason}\n`);
  for (const line of report.suppressedLines) ctx.stderr.write(`${file}:${line}: suppressed (deleted or complained; not imported)\n`);
  if (report.ignoredColumns.length > 0) ctx.stderr.write(`ignored columns: ${report.ignoredColumns.join(', ')}\n`);
  ctx.stdout.write(
    `${report.rows} rows: ${report.imported} imported, ${report.unchanged} already on the list (unchanged), ${report.invalid.length} invalid, ${report.suppressed} suppressed\n`,
  );
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new GazetteError('InvalidArgument', `--${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)}).`);
}

function wholeNumber(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && /^[1-9][0-9]{0,5}$/.test(value)) return Number(value);
  throw new GazetteError('InvalidArgument', `--${what} must be a whole number from 1 (got ${JSON.stringify(value)}).`);
}
