/**
 * The whole-service model test (test/service-model/) for as long as you like:
 *   npx tsx scripts/model-long-run.ts [runs=500] [seed=now] [maxOps=60]
 * Prints the seed first; a failure prints the shrunk sequence of operations that breaks a rule.
 */
import { runServiceModel } from '../test/service-model/service-model.ts';

const runs = Number(process.argv[2] ?? 500);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const maxOps = Number(process.argv[4] ?? 60);
console.log(`service model: ${runs} runs of up to ${maxOps} operations, seed ${seed}`);
const started = Date.now();
await runServiceModel({ seed, numRuns: runs, maxOps });
console.log(`passed: ${runs} runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
