import { copyFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGazette, type Gazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { writeArticle } from './build-article.ts';
import { makeTestConfig, type TestConfig } from './test-config.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Cleanup = { after(fn: () => unknown): void };

/** The project's own seeds/ folder: the real article a new install starts with. */
export const PROJECT_SEEDS_DIR = fileURLToPath(new URL('../../seeds/', import.meta.url));

/** The clock browser tests and screenshots run on, so dates on pages and in mail never drift. */
export const BROWSER_CLOCK_START = '2026-01-10T12:00:00Z';

/** A port nobody listens on right now (the OS picks it; we close it at once and reuse the number). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface BrowserGazette extends TestConfig {
  gazette: Gazette;
  clock: ManualClock;
  /** `site.baseUrl`: every link in pages and mail starts with it. */
  baseUrl: string;
  /** The loopback port the site listens on. */
  port: number;
}

export interface BrowserGazetteOptions {
  overrides?: JsonObject;
  /**
   * `site.baseUrl`, when it should not be the loopback address (the screenshots show
   * http://news.example.com and map that host to the port in Chromium's resolver).
   */
  baseUrl?: string;
  /** Writes the seed files before the first ingest. */
  seed?: (seedsDir: string) => void;
}

/**
 * A real Gazette listening on a fixed loopback port whose `site.baseUrl` is (by default) its own address, so
 * that a browser can follow the absolute links in feeds' autodiscovery and in mail. The port is
 * picked before the config is built because the config is frozen once loaded.
 */
export async function startBrowserGazette(t: Cleanup, options: BrowserGazetteOptions = {}): Promise<BrowserGazette> {
  const port = await findFreePort();
  const baseUrl = options.baseUrl ?? `http://127.0.0.1:${port}`;
  const overrides = options.overrides ?? {};
  const site = isObject(overrides.site) ? overrides.site : {};
  const server = isObject(overrides.server) ? overrides.server : {};
  const testConfig = makeTestConfig(t, {
    ...overrides,
    site: { ...site, baseUrl },
    server: { ...server, port, host: '127.0.0.1' },
  });
  options.seed?.(testConfig.seedsDir);
  const clock = new ManualClock(BROWSER_CLOCK_START);
  const gazette = await createGazette(testConfig.config, { clock });
  t.after(() => gazette.close());
  await gazette.start();
  return { ...testConfig, gazette, clock, baseUrl, port };
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The long unbreakable words that break phone layouts: a URL, a chemical name, a slug. */
export const LONG_WORDS_ARTICLE = {
  slug: 'pneumonoultramicroscopicsilicovolcanoconiosis-and-other-very-long-words-in-one-title',
  date: '8 January 2026',
  paragraphs: [
    'Some words do not fit on a phone screen: https://news.example.com/a/very/long/path/that/never/breaks/on/its/own/unless/the/stylesheet/lets/it?with=query&and=more#fragment is one of them.',
    'Another is Pneumonoultramicroscopicsilicovolcanoconiosis, which a reader must still see in full without scrolling sideways.',
    'Quotes “like these”, ampersands & angle brackets <like this> and accents (Zürich, Kraków, São Paulo) are printed as written.',
  ],
};

/** Copies the project's real seed article(s) and writes a few dated, realistic ones beside them. */
export function writeSampleArticles(seedsDir: string): void {
  for (const file of readdirSync(PROJECT_SEEDS_DIR).filter((f) => f.endsWith('.txt'))) {
    copyFileSync(path.join(PROJECT_SEEDS_DIR, file), path.join(seedsDir, file));
  }
  writeArticle(seedsDir, {
    slug: 'city-council-approves-new-cycle-lanes-along-the-river',
    date: '9 January 2026',
    paragraphs: [
      'The city council approved twelve kilometres of protected cycle lanes along both banks of the river on Thursday, after a public consultation that drew more than four thousand responses.',
      'Work on the first section, between the old harbour and the central station, is due to start in March. The council expects the whole network to open before the end of next year.',
      'Shop owners on the waterfront asked for loading bays to be kept; the plan keeps eleven of them and adds two.',
    ],
  });
  writeArticle(seedsDir, {
    slug: 'winter-storm-closes-mountain-passes-for-a-second-day',
    date: '7 January 2026',
    paragraphs: [
      'Heavy snow kept three mountain passes closed for a second day on Wednesday, and rail operators cancelled services on two regional lines while crews cleared the tracks.',
      'Forecasters expect the snow to ease overnight. Drivers are asked to carry chains and to check the road reports before setting out.',
    ],
  });
}
