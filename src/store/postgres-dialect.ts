import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Dialect,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import type pg from 'pg';

/**
 * Kysely's PostgreSQL dialect with an introspector that looks only at the schemas on the
 * search_path. Kysely's own lists every table of the database and checks privileges per schema,
 * so while another client drops a schema (other sites' or test runs' schemas in one database)
 * it fails with "schema … does not exist", and it finds other schemas' migration tables. The
 * Migrator is its only user here: names and schemas are all it needs.
 */
export function createPostgresDialect(pool: pg.Pool): Dialect {
  return new SearchPathPostgresDialect({ pool });
}

class SearchPathPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SearchPathIntrospector(db);
  }
}

class SearchPathIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } =
      await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace where nspname = any(current_schemas(false))`.execute(
        this.db,
      );
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    // pg_catalog only, no privilege functions: nothing here can trip over a schema being dropped.
    const { rows } = await sql<{ name: string; schema: string; is_view: boolean }>`
      select c.relname as name, n.nspname as schema, c.relkind = 'v' as is_view
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(current_schemas(false)) and c.relkind in ('r', 'p', 'v')`.execute(this.db);
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.is_view, columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
