import { test } from 'node:test';
import { runServiceModel } from './service-model.ts';

// A modest run in every `npm test`: fixed seed, so a failure reproduces exactly; the sequence
// is printed with the failure. `npx tsx scripts/model-long-run.ts` runs many more.
test('feeds, archive pages, article pages and editions match the plain model after every step', { timeout: 600_000 }, async () => {
  await runServiceModel({ seed: 20261129, numRuns: 40, maxOps: 40 });
});
