/**
 * The PostgreSQL programs' command lines for a `database.url`: Gazette does not copy a
 * PostgreSQL database itself (pg_dump makes a consistent dump of a live one, and the server's
 * own tools know its versions). The password is left out: pg_dump reads PGPASSWORD or ~/.pgpass.
 */
export function pgDumpCommand(url: string, file: string): string {
  return ['pg_dump', '--format=custom', ...connectionArguments(url), ...schemaArguments(url), `--file=${file}`].join(' ');
}

/** Into an empty database (or schema) that the service does not use yet; --clean replaces what is there. */
export function pgRestoreCommand(url: string, file: string): string {
  // No --schema here: it would skip the dump's CREATE SCHEMA, and pg_dump --schema put only that schema in the file.
  return ['pg_restore', '--clean', '--if-exists', '--no-owner', ...connectionArguments(url), file].join(' ');
}

function connectionArguments(url: string): string[] {
  const parsed = new URL(url);
  const args = [`--host=${decodeURIComponent(parsed.hostname) || 'localhost'}`, `--port=${parsed.port || '5432'}`];
  if (parsed.username) args.push(`--username=${decodeURIComponent(parsed.username)}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database) args.push(`--dbname=${database}`);
  return args;
}

function schemaArguments(url: string): string[] {
  const schema = new URL(url).searchParams.get('schema');
  return schema ? [`--schema=${schema}`] : [];
}
