import { setTimeout as pause } from 'node:timers/promises';
import { openStore } from '../../src/store/open-store.ts';

/**
 * A second process writing to the same SQLite file, as a CLI command beside the server does:
 * transactions that read a row and then write it, a millisecond apart, until SIGTERM. Prints
 * `ready` once it writes, and at the end one JSON line with how many transactions committed
 * and how many failed (its own failures are not what the tests judge; the server's answers are).
 */
const dataDir = process.argv[2]!;
const store = await openStore({ url: null, dataDir });
let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
});
let committed = 0;
let failed = 0;
let announced = false;
while (!stopping) {
  try {
    await store.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('site_state').select('value').where('key', '=', 'concurrent-writer').executeTakeFirst();
      const next = String(Number(row?.value ?? 0) + 1);
      await trx
        .insertInto('site_state')
        .values({ key: 'concurrent-writer', value: next })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: next }))
        .execute();
      await trx
        .insertInto('site_state')
        .values({ key: `concurrent-writer-${next}`, value: next })
        .execute();
    });
    committed++;
  } catch {
    failed++;
  }
  if (!announced && committed > 0) {
    process.stdout.write('ready\n');
    announced = true;
  }
  // A command does some work between its writes (reads a file, talks to SMTP): a millisecond here.
  await pause(1);
}
await store.close();
process.stdout.write(`${JSON.stringify({ committed, failed })}\n`);
