import { GazetteError, isGazetteError } from '../shared/errors.ts';

/** What a caller can say about a database failure: which store, and where its data lives. */
export interface StoreErrorContext {
  dialect: 'sqlite' | 'postgres';
  /** The SQLite file, or the PostgreSQL URL without its password. */
  location: string;
}

/** Seconds a client is told to wait after a busy or unreachable database (Retry-After). */
const RETRY_AFTER_SECONDS = 5;

/** SQLSTATE classes and codes (PostgreSQL appendix A) that mean "the server is not there right now". */
const POSTGRES_GONE = new Set(['57P01', '57P02', '57P03', '53300']);
const POSTGRES_CREDENTIALS = new Set(['28000', '28P01']);
const NETWORK_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Database failures that are nobody's bug, as GazetteErrors with stable codes, so that HTTP
 * answers 503/507 (not a 500) and the CLI prints one line: a busy SQLite file, a full disk, a
 * PostgreSQL server that is down or refuses us. Anything else (a constraint, a bad query) is
 * returned unchanged: that is a bug or a caller's business.
 */
export function translateStoreError(error: unknown, context: StoreErrorContext): unknown {
  if (isGazetteError(error)) return error;
  const code = errorCodeOf(error);
  const message = (error as Error).message ?? String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new GazetteError(
      'DatabaseBusy',
      "The database is busy with another process's writes; try again in a few seconds.",
      { retryAfterSeconds: RETRY_AFTER_SECONDS },
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL' || code === '53100') {
    const where = context.dialect === 'sqlite' ? `the disk that holds ${context.location}` : "the PostgreSQL server's disk";
    return new GazetteError(
      'StorageFull',
      `No space left on ${where}: the disk is full. Free space there, then try again.`,
      {},
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) {
    return new GazetteError(
      'DataDirUnusable',
      `The database file ${context.location} cannot be written (${message}): check that its directory is writable.`,
      {},
      { cause: error },
    );
  }
  if (context.dialect === 'postgres' && isPostgresGone(code, message)) {
    return new GazetteError(
      'DatabaseUnavailable',
      `The database is unreachable right now (${message}); try again in a moment.`,
      { retryAfterSeconds: RETRY_AFTER_SECONDS },
      { cause: error },
    );
  }
  if (context.dialect === 'postgres' && (POSTGRES_CREDENTIALS.has(code) || code === '3D000')) {
    return new GazetteError(
      'DatabaseUnavailable',
      `PostgreSQL refused the connection: ${message}.`,
      { retryAfterSeconds: RETRY_AFTER_SECONDS },
      { cause: error },
    );
  }
  return error;
}

function isPostgresGone(code: string, message: string): boolean {
  // Class 08 is "connection exception"; pg reports a dropped socket by message only.
  return (
    POSTGRES_GONE.has(code) ||
    NETWORK_GONE.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|not queryable|timeout exceeded when trying to connect/i.test(message)
  );
}

/** The driver's or the system's error code (SQLITE_BUSY, 57P01, ENOSPC), or '' when there is none. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : '';
}

/**
 * The one line an operator reads when the store cannot be opened at start: what is wrong, with
 * the setting or path and what to do. Undefined when the failure is not one of these.
 */
export function describeStoreOpenFailure(error: unknown, context: StoreErrorContext): GazetteError | undefined {
  // The driver's own error is at the end of the chain (migration failed ← DatabaseUnavailable ← pg's).
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const described = describeOne(e, context);
    if (described) return described;
  }
  return undefined;
}

function describeOne(error: Error, context: StoreErrorContext): GazetteError | undefined {
  const code = errorCodeOf(error);
  const message = error.message;
  if (context.dialect === 'postgres') {
    if (POSTGRES_CREDENTIALS.has(code))
      return new GazetteError(
        'DatabaseUnavailable',
        `PostgreSQL at ${context.location} refused the credentials (${message}): fix the user and password in database.url (DATABASE_URL).`,
        {},
        { cause: error },
      );
    if (code === '3D000')
      return new GazetteError(
        'DatabaseUnavailable',
        `PostgreSQL at ${context.location}: ${message}. Create it (createdb) or fix the database name in database.url (DATABASE_URL).`,
        {},
        { cause: error },
      );
    if (isPostgresGone(code, message))
      return new GazetteError(
        'DatabaseUnavailable',
        `PostgreSQL at ${context.location} is unreachable (${message}): start it, or fix the host and port in database.url (DATABASE_URL).`,
        {},
        { cause: error },
      );
    return undefined;
  }
  if (code === 'SQLITE_FULL')
    return new GazetteError(
      'StorageFull',
      `No space left on the disk that holds ${context.location}: free space there, or set paths.dataDir (GAZETTE_DATA_DIR) to a directory on another disk.`,
      {},
      { cause: error },
    );
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    ['EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOTDIR'].includes(code)
  ) {
    return new GazetteError(
      'DataDirUnusable',
      `Cannot write the database ${context.location} (${message}): make its directory writable, or set paths.dataDir (GAZETTE_DATA_DIR) or database.url (DATABASE_URL) to a writable place.`,
      {},
      { cause: error },
    );
  }
  return undefined;
}
