import { createGazette } from '../main.ts';
import { GazetteError } from '../shared/errors.ts';
import type { Command } from './command.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the web server and the scheduler (what `npm start` runs)',
  usage: 'gazette serve [--config FILE] [--port N] [--no-migrate]',
  // --no-migrate: apply no migration, and refuse to start while any is pending (`gazette migrate up` first).
  options: { port: { type: 'string', short: 'p' }, 'no-migrate': { type: 'boolean' } },
  async run(ctx) {
    const base = ctx.config();
    const port = ctx.values.port === undefined ? base.server.port : Number(ctx.values.port);
    // --port bypasses the config schema, so it gets the schema's check here.
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new GazetteError('InvalidArgument', `--port must be a whole number from 0 to 65535 (got ${JSON.stringify(ctx.values.port)}).`);
    const migrateOnStart = ctx.values['no-migrate'] === true ? false : base.database.migrateOnStart;
    const config = { ...base, server: { ...base.server, port }, database: { ...base.database, migrateOnStart } };
    const gazette = await createGazette(config);
    const { log } = gazette.core;
    try {
      await gazette.start();
    } catch (error) {
      // Refusing to start (port taken, seeds missing): release the store and the pool so the
      // process ends with the one line run-cli prints, instead of hanging on open handles.
      await gazette.close();
      throw error;
    }
    const address = gazette.address();
    log.info(
      { address, store: gazette.core.store.location, seeds: config.paths.seedsDir },
      `Gazette is serving ${config.site.baseUrl} (listening on ${address})`,
    );

    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log.info({ signal }, 'shutting down');
        const timer = setTimeout(() => {
          log.error({ timeoutMs: config.server.shutdownTimeoutMs }, 'shutdown took too long; exiting');
          process.exit(1);
        }, config.server.shutdownTimeoutMs);
        timer.unref();
        gazette.close().then(resolve, (error: unknown) => {
          log.error({ err: error }, 'error during shutdown');
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
