import type { IngestOptions, IngestReport } from '../articles/ingest.service.ts';
import type { Config } from '../config/config.schema.ts';
import { FIRING_GRACE_MS, type DueEditionsOptions } from '../editions/due-editions.ts';
import type { EditionService } from '../editions/editions.service.ts';
import type { DigestFrequency } from '../shared/frequency.ts';
import type { JobDefinition } from './scheduler.ts';

export interface GazetteJobsDeps {
  config: Config;
  /** Ingests seeds/ and re-renders the feeds when that changed anything (core.ingest.run). */
  ingest(options?: IngestOptions): Promise<IngestReport>;
  /** Re-renders feeds if what readers see changed (new articles, an embargo that ended). */
  refreshPublished(): Promise<unknown>;
  /** Makes editions (and wakes the outbox when it queued any). */
  editions: Pick<EditionService, 'createInstant' | 'createDue'>;
  /**
   * Drains the bounce mailbox once (connect, hand each report over, disconnect) and returns its
   * counts. The `bounces` job exists when `bounces.imap` is set and this is given.
   */
  pollBounceMailbox?: () => Promise<unknown>;
  /** Deletes sign-ups never confirmed whose links expired plus the grace period; returns how many. */
  purgeUnconfirmed(now: Date): Promise<number>;
}

/**
 * The jobs `gazette serve` runs, each on its cron expression from `config.scheduler`. They call
 * the same service functions as the CLI and the HTTP routes; the scheduler adds only timing,
 * leases and records.
 */
export function gazetteJobs(deps: GazetteJobsDeps): JobDefinition[] {
  const { config } = deps;

  const queueInstant = async (now: Date): Promise<number> => (await deps.editions.createInstant(now)).length;
  const queueDueDigests = async (
    frequency: DigestFrequency,
    now: Date,
    options: DueEditionsOptions,
  ): Promise<{ id: string; articles: number; recipients: number }[]> => {
    const editions = await deps.editions.createDue(frequency, now, options);
    return editions.map((e) => ({ id: e.edition.id, articles: e.articles.length, recipients: e.recipients }));
  };

  /** A seed file changed more recently than this may still be being written: it waits for a later scan. */
  const quietMs = config.ingest.quietPeriodSeconds * 1000;
  // Ingests in this process take turns: the scan and a digest job firing on the same tick
  // otherwise insert the same new file twice, and the digest could read before the scan wrote.
  let ingestTurn: Promise<unknown> = Promise.resolve();
  const ingestInTurn = (options: IngestOptions): Promise<IngestReport> => {
    const run = ingestTurn.then(() => deps.ingest(options));
    ingestTurn = run.catch(() => undefined);
    return run;
  };

  const digestJob = (frequency: DigestFrequency): JobDefinition => ({
    name: frequency,
    cron: config.scheduler[frequency],
    async run({ clock }) {
      // Ingest first (after any scan in flight), then make the edition: a file dropped just
      // before the firing is in it, not in the next. If the ingest fails the edition still goes
      // out; the next scan retries the files.
      const ingest = await ingestInTurn({ minFileAgeMs: quietMs }).then(
        (report) => ({ added: report.added.length }),
        (error: unknown) => ({ error: (error as Error).message ?? String(error) }),
      );
      return { ingest, editions: await queueDueDigests(frequency, clock.now(), {}) };
    },
  });

  return [
    {
      name: 'scan',
      cron: config.scheduler.scan,
      async run({ clock, atStart }) {
        // On a first start every file present is read as it is, as a one-off ingest would: those
        // articles are what was already there, and instant mailing begins after them. On a
        // restart the quiet period holds (see IngestOptions.atStart).
        // ingest() re-renders the feeds itself when the articles changed.
        const report = await ingestInTurn({ minFileAgeMs: quietMs, atStart });
        // Judged after the ingest, so that on a first start the articles just read are not news.
        const instant = await queueInstant(clock.now());
        return {
          added: report.added.length,
          updated: report.updated.length,
          removed: report.removed.length,
          deferred: report.deferred.length,
          problems: report.problems.length,
          instantEditions: instant,
        };
      },
    },
    {
      name: 'embargo',
      cron: config.scheduler.embargo,
      async run({ now }) {
        await deps.refreshPublished();
        // A digest edition that is due but missing (its job's instance died mid-run, its time
        // fell in a daylight-saving gap node-cron skipped) is made here once its firing is a
        // minute old (the digest job's grace, so both would make the same edition); the call is
        // idempotent and costs two small queries when nothing is due.
        const settled = { settleMs: FIRING_GRACE_MS };
        const digests = [...(await queueDueDigests('daily', now, settled)), ...(await queueDueDigests('weekly', now, settled))];
        return { instantEditions: await queueInstant(now), digestEditions: digests.length };
      },
    },
    {
      name: 'instant',
      cron: config.scheduler.instant,
      async run({ now }) {
        return { instantEditions: await queueInstant(now) };
      },
    },
    digestJob('daily'),
    digestJob('weekly'),
    ...bounceJobs(config, deps.pollBounceMailbox),
    {
      // Every instance keeps its own feed cache: this cheap version check (one small query when
      // nothing changed) makes each follow the articles another instance ingested.
      name: 'feeds',
      cron: config.scheduler.feeds,
      everyInstance: true,
      async run() {
        return { changed: await deps.refreshPublished() };
      },
    },
    {
      // Data a person never confirmed is not kept: their sign-up, IP address and user agent.
      name: 'purge',
      cron: config.scheduler.purge,
      async run({ now }) {
        return { purgedUnconfirmed: await deps.purgeUnconfirmed(now) };
      },
    },
  ];
}

/**
 * The bounce mailbox is read under the job's lease: one instance drains it at a time, so two
 * never hand the same message over at once (the handler's one-application-per-report rule covers
 * what a crash between handling and moving leaves behind).
 */
function bounceJobs(config: Config, poll: (() => Promise<unknown>) | undefined): JobDefinition[] {
  const imap = config.bounces.imap;
  if (!imap || !poll) return [];
  return [{ name: 'bounces', cron: everySecondsCron(imap.pollSeconds), run: () => poll() }];
}

/**
 * A cron expression firing about every `seconds` (5 to 3600): on the seconds grid below a minute,
 * on the minutes grid above (rounded); a period that does not divide the minute or hour leaves
 * one shorter gap at the turn of it.
 */
export function everySecondsCron(seconds: number): string {
  if (seconds < 60) return `*/${seconds} * * * * *`;
  const minutes = Math.round(seconds / 60);
  return minutes >= 60 ? '0 0 * * * *' : `0 */${minutes} * * * *`;
}
