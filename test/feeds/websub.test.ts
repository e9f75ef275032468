import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { writeArticle } from '../support/build-article.ts';
import { makeTestConfig } from '../support/test-config.ts';
import { listen } from './feed-fixtures.ts';

interface Ping {
  contentType: string | undefined;
  body: string;
}

/** A WebSub hub on loopback that records every publish ping and answers with `status`. */
async function startHub(t: TestContext, status = 204): Promise<{ url: string; pings: Ping[] }> {
  const pings: Ping[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pings.push({ contentType: req.headers['content-type'], body });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`, pings };
}

async function setup(t: TestContext, hub: string) {
  const logged = new PassThrough();
  const lines: string[] = [];
  logged.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const { config, seedsDir } = makeTestConfig(t, { feeds: { websubHub: hub } });
  const gazette = await createGazette(config, {
    clock: new ManualClock('2026-01-10T12:00:00Z'),
    log: createLogger({ level: 'warn', destination: logged }),
  });
  t.after(() => gazette.close());
  return { gazette, seedsDir, lines };
}

/** The URL of a port that was just free: connecting to it is refused. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hub`;
}

const pinged = (url: string): string => new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }).toString();

describe('WebSub', () => {
  it('pings the hub once per changed feed after a publish, and not when nothing changed', async (t) => {
    const hub = await startHub(t);
    const { gazette, seedsDir } = await setup(t, hub.url);
    writeArticle(seedsDir, { slug: 'first', date: '5 January 2026' });
    await gazette.core.ingest.run();
    await gazette.core.feeds.idle();
    assert.deepEqual(
      hub.pings.map((p) => p.contentType),
      Array(3).fill('application/x-www-form-urlencoded'),
    );
    assert.deepEqual(
      hub.pings.map((p) => p.body).sort(),
      ['/atom.xml', '/feed.json', '/feed.xml'].map((p) => pinged(`https://news.example.com${p}`)).sort(),
    );
    await gazette.core.ingest.run();
    await gazette.core.feeds.idle();
    assert.equal(hub.pings.length, 3, 'an ingest that changed nothing pings nobody');
    writeArticle(seedsDir, { slug: 'second', date: '6 January 2026' });
    await gazette.core.ingest.run();
    await gazette.core.feeds.idle();
    assert.equal(hub.pings.length, 6);
  });

  it('advertises the hub in every feed and in Link headers, with exactly one self link', async (t) => {
    const hub = await startHub(t);
    const { gazette, seedsDir } = await setup(t, hub.url);
    writeArticle(seedsDir, { slug: 'advertised', date: '5 January 2026' });
    await gazette.core.ingest.run();
    const get = await listen(t, gazette.server.app);
    for (const path of ['/feed.xml', '/atom.xml', '/feed.json']) {
      const res = await get(path);
      const links = String(res.headers.link).split(', ');
      assert.deepEqual(links, [`<${hub.url}>; rel="hub"`, `<https://news.example.com${path}>; rel="self"`]);
      assert.ok(res.body.toString().includes(hub.url), `${path} names the hub`);
    }
  });

  it('logs a hub that is down or refuses, and the ingest still succeeds', async (t) => {
    const refusing = await startHub(t, 500);
    const { gazette, seedsDir, lines } = await setup(t, refusing.url);
    writeArticle(seedsDir, { slug: 'refused', date: '5 January 2026' });
    assert.deepEqual((await gazette.core.ingest.run()).added, ['refused']);
    await gazette.core.feeds.idle();
    assert.equal(refusing.pings.length, 3);
    assert.ok(lines.some((l) => l.includes('WebSub hub refused the publish ping')));

    const other = await setup(t, await closedPortUrl());
    writeArticle(other.seedsDir, { slug: 'unreachable', date: '5 January 2026' });
    assert.deepEqual((await other.gazette.core.ingest.run()).added, ['unreachable']);
    await other.gazette.core.feeds.idle();
    assert.ok(other.lines.some((l) => l.includes('WebSub hub could not be notified')));
  });
});
