import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { makeTestConfig } from '../support/test-config.ts';

test('metrics are off by default: no listener, and the public /metrics is a 404', async (t) => {
  const { config } = makeTestConfig(t);
  assert.equal(config.metrics.listen, null);
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.start();
  assert.equal(gazette.server.metricsAddress(), undefined);
  assert.equal((await fetch(`${gazette.address()}/metrics`)).status, 404);
});

test('without metrics.token the metrics listener answers any scrape; it serves nothing but /metrics', async (t) => {
  const { config } = makeTestConfig(t, { metrics: { listen: '127.0.0.1:0' } });
  const gazette = await createGazette(config);
  t.after(() => gazette.close());
  await gazette.start();
  const base = gazette.server.metricsAddress()!;
  const scraped = await fetch(`${base}/metrics`);
  assert.equal(scraped.status, 200);
  assert.match(await scraped.text(), /^# HELP gazette_outbox_deliveries /m);
  assert.equal((await fetch(`${base}/healthz`)).status, 404);
});

test('a metrics.listen port in use refuses the start, naming metrics.listen, and leaves no listener open', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const port = (taken.address() as AddressInfo).port;
  const { config } = makeTestConfig(t, { metrics: { listen: `127.0.0.1:${port}` } });
  const gazette = await createGazette(config);
  await assert.rejects(gazette.start(), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'PortInUse');
    assert.match(error.message, new RegExp(`metrics.listen 127.0.0.1:${port} is already in use`));
    return true;
  });
  // The public listener, opened first, was closed again.
  await assert.rejects(fetch(`${gazette.address()}/livez`));
  await gazette.close();
});
