import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import request from 'supertest';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { makeTestConfig } from './test-config.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface SubscriptionsWorld {
  gazette: Gazette;
  clock: ManualClock;
  sink: SmtpSink;
  seedsDir: string;
}

/** A Gazette over fresh directories, mail to a real SMTP sink on loopback, a fixed clock, the admin token set. */
export async function startSubscriptionsWorld(t: TestContext, overrides: { [key: string]: Json } = {}): Promise<SubscriptionsWorld> {
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const { config, seedsDir } = makeTestConfig(t, { mail: { smtpUrl: sink.url }, admin: { token: ADMIN_TOKEN }, ...overrides });
  const clock = new ManualClock('2026-01-10T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  return { gazette, clock, sink, seedsDir };
}

/** Row counts of every table this capability writes: compared before and after a rejected request. */
export async function countRows(gazette: Gazette): Promise<Record<string, number>> {
  const db = gazette.core.store.db;
  const count = async (table: 'subscribers' | 'subscription_confirmations' | 'rate_limit_counters' | 'deliveries') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    subscribers: await count('subscribers'),
    confirmations: await count('subscription_confirmations'),
    rateLimits: await count('rate_limit_counters'),
    deliveries: await count('deliveries'),
  };
}

/** A snapshot of every subscriber row, to show that a request changed nothing. */
export async function snapshotSubscribers(gazette: Gazette): Promise<string> {
  const rows = await gazette.core.store.db.selectFrom('subscribers').selectAll().orderBy('id').execute();
  const confirmations = await gazette.core.store.db.selectFrom('subscription_confirmations').selectAll().orderBy('id').execute();
  return JSON.stringify({ rows, confirmations });
}

/**
 * The form stamp a browser gets with the subscribe form (GET /subscribe, its hidden `stamp`),
 * then the clock moved on by `subscriptions.minFormSeconds`, as long as a person takes to fill it.
 * Each stamp is good for one sign-up.
 */
export async function fetchFormStamp(world: Pick<SubscriptionsWorld, 'gazette' | 'clock'>): Promise<string> {
  const page = await request(world.gazette.server.app).get('/subscribe').set('Accept', 'text/html');
  const stamp = /<input type="hidden" name="stamp" value="([^"]+)">/.exec(page.text)?.[1];
  assert.ok(stamp, 'the subscribe form carries a stamp');
  world.clock.advance(world.gazette.core.config.subscriptions.minFormSeconds * 1000);
  return stamp;
}
