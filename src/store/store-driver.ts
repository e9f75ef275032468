import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import { translateStoreError, type StoreErrorContext } from './store-errors.ts';

/**
 * A dialect whose every failure goes through translateStoreError: every query, every
 * transaction and every connection of the store, whoever the caller is, so that a busy SQLite
 * file, a full disk or a PostgreSQL server that went away reach routes and the CLI as
 * GazetteErrors (503/507, one line) instead of raw driver errors (500, stack traces).
 */
export function withStoreErrors(dialect: Dialect, context: StoreErrorContext): Dialect {
  return {
    createDriver: () => new TranslatingDriver(dialect.createDriver(), context),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

type Compile = QueryCompiler['compileQuery'];

class TranslatingDriver implements Driver {
  /** Connections handed out, mapped back to the inner driver's own (it releases only those). */
  readonly #inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly context: StoreErrorContext,
  ) {}

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateStoreError(error, this.context);
    }
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#inner.get(connection) ?? connection;
  }

  init(): Promise<void> {
    return this.#run(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#run(() => this.driver.acquireConnection());
    const run = <T>(work: () => Promise<T>): Promise<T> => this.#run(work);
    const context = this.context;
    const outer: DatabaseConnection = {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => run(() => inner.executeQuery<R>(query)),
      async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        try {
          yield* inner.streamQuery<R>(query, chunkSize);
        } catch (error) {
          throw translateStoreError(error, context);
        }
      },
    };
    this.#inner.set(outer, inner);
    return outer;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#run(() => this.driver.beginTransaction(this.#unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#run(() => this.driver.commitTransaction(this.#unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#run(() => this.driver.rollbackTransaction(this.#unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    return this.#run(() => this.#savepointMethod('savepoint')(this.#unwrap(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    return this.#run(() => this.#savepointMethod('rollbackToSavepoint')(this.#unwrap(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Compile): Promise<void> {
    return this.#run(() => this.#savepointMethod('releaseSavepoint')(this.#unwrap(connection), name, compile));
  }

  #savepointMethod(name: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint'): NonNullable<Driver[typeof name]> {
    const method = this.driver[name]?.bind(this.driver);
    if (!method) throw new Error(`The ${this.context.dialect} driver does not support savepoints`);
    return method;
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.#unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}
