import { loadConfig } from '../../src/config/load-config.ts';
import { countPendingDeliveries } from '../../src/mail/outbox.repository.ts';
import { createGazette } from '../../src/main.ts';

/**
 * A sender process for the crash-safety test: drains the outbox pass after pass, waiting for
 * expired leases, and exits 0 once nothing is left. The test kills it with SIGKILL at random points.
 */
const config = loadConfig({ env: { GAZETTE_CONFIG: process.argv[2] } });
const gazette = await createGazette(config);
for (;;) {
  const report = await gazette.core.mail.deliverPending({ limit: 20 });
  if (report.claimed > 0) continue;
  if ((await countPendingDeliveries(gazette.core.store.db)) === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
await gazette.close();
