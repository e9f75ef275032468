import type { Db } from '../store/database.ts';
import { readSiteState, writeSiteState } from '../store/site-state.repository.ts';

/**
 * The record of the last ingest, kept in the store so that `gazette status` and /healthz (other
 * processes than the one that scanned) can tell when the seeds were last read. Written and read
 * only here.
 */
export interface LastIngest {
  at: Date;
  durationMs: number;
  scanned: number;
  /** Problems the seed files had at the end of that scan. */
  problems: number;
}

const LAST_INGEST_KEY = 'last_ingest';

interface StoredLastIngest {
  at: string;
  durationMs: number;
  scanned: number;
  problems: number;
}

export async function writeLastIngest(db: Db, record: LastIngest): Promise<void> {
  const stored: StoredLastIngest = {
    at: record.at.toISOString(),
    durationMs: record.durationMs,
    scanned: record.scanned,
    problems: record.problems,
  };
  await writeSiteState(db, LAST_INGEST_KEY, JSON.stringify(stored));
}

/** The last ingest this store saw, or undefined if it has never ingested. */
export async function readLastIngest(db: Db): Promise<LastIngest | undefined> {
  const text = await readSiteState(db, LAST_INGEST_KEY);
  if (text === undefined) return undefined;
  const stored = JSON.parse(text) as StoredLastIngest;
  return { at: new Date(stored.at), durationMs: stored.durationMs, scanned: stored.scanned, problems: stored.problems };
}

/** Whether any ingest ever finished on this store (without parsing its record). */
export async function hasEverIngested(db: Db): Promise<boolean> {
  return (await readSiteState(db, LAST_INGEST_KEY)) !== undefined;
}

/** The `ingest` section of /healthz: the last ingest, or nulls on a store that never ingested. */
export interface IngestHealth {
  lastRunAt: string | null;
  durationMs: number | null;
  scanned: number | null;
  problems: number | null;
}

export function describeLastIngest(last: LastIngest | undefined): IngestHealth {
  if (!last) return { lastRunAt: null, durationMs: null, scanned: null, problems: null };
  return { lastRunAt: last.at.toISOString(), durationMs: last.durationMs, scanned: last.scanned, problems: last.problems };
}
