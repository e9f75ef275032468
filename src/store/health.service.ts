import { sql, type Kysely } from 'kysely';
import type { Database } from './database.ts';

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

/** Sections of other capabilities (the last ingest, the scheduler, the delivery queue) register a probe; each adds its keys to the report. */
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
