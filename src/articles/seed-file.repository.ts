import type { Selectable } from 'kysely';
import type { Db, SeedFilesTable } from '../store/database.ts';
import type { ArticleProblem } from './article.ts';

/** SQL for seed_files: what each file in seeds/ was when last read (size, mtime, hash, problems), so an unchanged file is not read again. */
export interface SeedFileRecord {
  path: string;
  fingerprint: string;
  contentHash: string;
  slug: string | null;
  problems: ArticleProblem[];
  checkedAt: Date;
}

function toSeedFileRecord(row: Selectable<SeedFilesTable>): SeedFileRecord {
  return {
    path: row.path,
    fingerprint: row.fingerprint,
    contentHash: row.content_hash,
    slug: row.slug,
    problems: JSON.parse(row.problems) as ArticleProblem[],
    checkedAt: new Date(row.checked_at),
  };
}

export async function listSeedFiles(db: Db): Promise<SeedFileRecord[]> {
  const rows = await db.selectFrom('seed_files').selectAll().orderBy('path').execute();
  return rows.map(toSeedFileRecord);
}

/** Saves many records with one statement per 500 (a cold ingest of 10,000 files would otherwise cost 10,000 round trips). */
export async function saveSeedFiles(db: Db, records: readonly SeedFileRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    const values = records.slice(i, i + 500).map((record) => ({
      path: record.path,
      fingerprint: record.fingerprint,
      content_hash: record.contentHash,
      slug: record.slug,
      problems: JSON.stringify(record.problems),
      checked_at: record.checkedAt.toISOString(),
    }));
    await db
      .insertInto('seed_files')
      .values(values)
      .onConflict((oc) =>
        oc.column('path').doUpdateSet((eb) => ({
          fingerprint: eb.ref('excluded.fingerprint'),
          content_hash: eb.ref('excluded.content_hash'),
          slug: eb.ref('excluded.slug'),
          problems: eb.ref('excluded.problems'),
          checked_at: eb.ref('excluded.checked_at'),
        })),
      )
      .execute();
  }
}

export async function deleteSeedFiles(db: Db, paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 500)
    await db
      .deleteFrom('seed_files')
      .where('path', 'in', paths.slice(i, i + 500))
      .execute();
}

/** Current problems of every seed file, for `gazette check`-like reports and /healthz. */
export async function listSeedProblems(db: Db): Promise<ArticleProblem[]> {
  const rows = await db.selectFrom('seed_files').select('problems').where('problems', '!=', '[]').orderBy('path').execute();
  return rows.flatMap((r) => JSON.parse(r.problems) as ArticleProblem[]);
}
