import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDeliveryWorker } from '../../src/mail/delivery-worker.ts';
import { emptyDeliverReport } from '../../src/mail/delivery.service.ts';
import { createLogger } from '../../src/shared/logger.ts';

const idle = emptyDeliverReport();

test('an idle worker can sleep and wake thousands of times without piling listeners on its stop signal', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  let passes = 0;
  let seen: AbortSignal | undefined;
  const worker = createDeliveryWorker({
    log: createLogger({ level: 'silent' }),
    idleMs: 0,
    deliver: async ({ signal }) => {
      passes++;
      seen = signal;
      return idle;
    },
  });
  worker.start();
  while (passes < 2000) await new Promise((r) => setTimeout(r, 5));
  await worker.stop();
  process.off('warning', onWarning);
  assert.ok(seen?.aborted);
  assert.deepEqual(
    warnings.filter((w) => w === 'MaxListenersExceededWarning'),
    [],
  );
});
