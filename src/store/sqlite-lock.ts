import { readFileSync, statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { GazetteError } from '../shared/errors.ts';

/** An exclusive hold on a database file: nobody else has it open until `release()`. */
export interface ExclusiveHold {
  /** The file is not a readable database: it is held only in that nobody had it locked, and its WAL was not folded in. */
  readonly damaged: boolean;
  release(): void;
}

/**
 * Takes the database file for this process alone, or refuses at once (DatabaseInUse) when another
 * process has it open. The lock is SQLite's own, on the file: every process that has a WAL
 * database open holds a shared lock on it for as long as it is open (this is what stops one from
 * leaving WAL mode under the others), and the kernel drops it when that process ends, however it
 * ends. So a running `gazette serve` (or any command) is always seen, and a crashed one never
 * blocks: no PID file to go stale. Leaving WAL mode here also checkpoints the WAL into the file,
 * so nothing committed stays behind in a `-wal` when the file is moved.
 */
export function holdExclusively(file: string): ExclusiveHold {
  const db = new SqliteDatabase(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    // A file already in rollback mode: only a transaction's EXCLUSIVE lock tells whether others hold it.
    db.exec('begin exclusive');
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY')) throw inUse(file, error);
    // A damaged file (often why one restores) cannot be locked through SQLite: ask the kernel
    // whether anyone holds a lock on it instead. Nothing of it is folded or changed.
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      if (processesLocking(file).length > 0) throw inUse(file, error);
      return { damaged: true, release: () => undefined };
    }
    throw error;
  }
  return {
    damaged: false,
    release() {
      // Nothing was written: rolling back touches no file, whatever name the file has now.
      db.exec('rollback');
      db.close();
    },
  };
}

function inUse(file: string, cause: unknown): GazetteError {
  const pids = processesLocking(file);
  const who = pids.length > 0 ? ` by process ${pids.join(', ')}` : ' by another process';
  return new GazetteError(
    'DatabaseInUse',
    `The database ${file} is open${who}: stop \`gazette serve\` (and any other gazette command) on this data directory, then run this again.`,
    { pids },
    { cause },
  );
}

/** Linux: the processes holding a lock on the file, from /proc/locks; empty where that is not readable. */
function processesLocking(file: string): number[] {
  try {
    const { ino } = statSync(file);
    const pids = readFileSync('/proc/locks', 'utf8')
      .split('\n')
      .map((line) => /^\d+:\s+\S+\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[2]) === ino)
      .map((m) => Number(m[1]))
      .filter((pid) => pid !== process.pid);
    return [...new Set(pids)];
  } catch {
    return [];
  }
}
