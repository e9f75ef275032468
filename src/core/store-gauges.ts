import { countAllDeliveriesByStatus, findOldestPendingCreatedAt } from '../mail/outbox.repository.ts';
import type { StoreGauges } from '../metrics/metrics.ts';
import { FREQUENCIES } from '../shared/frequency.ts';
import type { Db } from '../store/database.ts';
import { countSubscribersByStatusAndFrequency } from '../subscribers/subscriber.repository.ts';
import { subscriberStatuses } from '../subscribers/subscriber.ts';

/**
 * The gauges metrics read from the store: three grouped counts, cached by the metrics for
 * `metrics.refreshSeconds`. Every (status, frequency) pair is present, at 0 when empty, so a
 * series does not vanish when its last subscriber leaves.
 */
export async function readStoreGauges(db: Db): Promise<StoreGauges> {
  const [deliveriesByStatus, oldestPendingAt, counted] = await Promise.all([
    countAllDeliveriesByStatus(db),
    findOldestPendingCreatedAt(db),
    countSubscribersByStatusAndFrequency(db),
  ]);
  const subscribers = subscriberStatuses.flatMap((status) =>
    FREQUENCIES.map((frequency) => ({
      status,
      frequency,
      count: counted.find((c) => c.status === status && c.frequency === frequency)?.count ?? 0,
    })),
  );
  return { deliveriesByStatus, oldestPendingAt: oldestPendingAt ?? null, subscribers };
}
