import path from 'node:path';
import { GazetteError } from '../shared/errors.ts';
import { isPostgresUrl, sqlitePath, type StoreOptions } from './open-store.ts';
import { pgDumpCommand, pgRestoreCommand } from './postgres-tools.ts';
import { fileTimestamp } from './sqlite-files.ts';
import { backupSqliteDatabase, defaultBackupPath, type BackupResult } from './sqlite-backup.service.ts';
import { restoreSqliteDatabase, type RestoreResult } from './sqlite-restore.service.ts';

type StoreWhere = Pick<StoreOptions, 'url' | 'dataDir'>;

/** `gazette backup`: the SQLite database copied while it runs; PostgreSQL is pg_dump's job (NotSupported, naming the command). */
export function backupStore(where: StoreWhere, options: { output?: string; force: boolean; now: Date }): Promise<BackupResult> {
  if (isPostgresUrl(where.url)) {
    const command = pgDumpCommand(where.url!, `gazette-${fileTimestamp(options.now)}.dump`);
    throw new GazetteError(
      'NotSupported',
      `The database is PostgreSQL: back it up with \`${command}\` (see "Backups and upgrades" in the README).`,
    );
  }
  const output = path.resolve(options.output ?? defaultBackupPath(where.dataDir, options.now));
  return backupSqliteDatabase({ source: sqlitePath(where), output, force: options.force });
}

/** `gazette restore FILE`: into the SQLite file, with nothing running on it; PostgreSQL is pg_restore's job. */
export function restoreStore(where: StoreWhere, options: { backup: string; now: Date }): RestoreResult {
  if (isPostgresUrl(where.url)) {
    const command = pgRestoreCommand(where.url!, options.backup);
    throw new GazetteError(
      'NotSupported',
      `The database is PostgreSQL: stop the service, then restore with \`${command}\` (see "Backups and upgrades" in the README).`,
    );
  }
  return restoreSqliteDatabase({ backup: path.resolve(options.backup), target: sqlitePath(where), now: options.now });
}
