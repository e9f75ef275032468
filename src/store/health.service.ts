import { sql, type Kysely } from 'kysely';
import type { Database } from './database.ts';
import { readSiteState } from './site-state.repository.ts';

export interface HealthReport {
  ok: boolean;
  uptimeSeconds: number;
  database: { ok: boolean; dialect: string; error?: string };
  ingest: { lastRunAt: string | null; durationMs: number | null; scanned: number | null; problems: number | null };
  [section: string]: unknown;
}

export interface HealthService {
  check(): Promise<HealthReport>;
}

/** Extra sections (scheduler, delivery queue) register a probe; each adds one key to the report. */
export type HealthProbe = () => Promise<object>;

export function createHealthService(deps: { db: Kysely<Database>; dialect: string; probes?: HealthProbe[] }): HealthService {
  const probes = deps.probes ?? [];
  return {
    async check() {
      const report: HealthReport = {
        ok: true,
        uptimeSeconds: Math.round(process.uptime()),
        database: { ok: true, dialect: deps.dialect },
        ingest: { lastRunAt: null, durationMs: null, scanned: null, problems: null },
      };
      try {
        await sql`select 1`.execute(deps.db);
        const last = await readSiteState(deps.db, 'last_ingest');
        if (last) {
          const parsed = JSON.parse(last) as { at: string; durationMs: number; scanned: number; problems: number };
          report.ingest = { lastRunAt: parsed.at, durationMs: parsed.durationMs, scanned: parsed.scanned, problems: parsed.problems };
        }
      } catch (error) {
        report.ok = false;
        report.database = { ok: false, dialect: deps.dialect, error: (error as Error).message };
        return report;
      }
      for (const probe of probes) Object.assign(report, await probe());
      return report;
    },
  };
}
