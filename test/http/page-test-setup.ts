import type { TestContext } from 'node:test';
import { ManualClock } from '../../src/shared/clock.ts';
import { createGazette } from '../../src/main.ts';
import { makeTestConfig } from '../support/test-config.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A Gazette over fresh directories with its clock fixed at 2026-01-10 12:00 UTC. */
export async function startPagesGazette(t: TestContext, overrides: { [key: string]: Json } = {}) {
  const { config, seedsDir } = makeTestConfig(t, overrides);
  const clock = new ManualClock('2026-01-10T12:00:00Z');
  const gazette = await createGazette(config, { clock });
  t.after(() => gazette.close());
  return { gazette, app: gazette.server.app, seedsDir, clock, config };
}

/** The hrefs of every `<a>` or `<link>` matching `pattern` in the order they appear. */
export function hrefsIn(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((m) => m[1]!.replace(/&#x3D;/g, '='));
}
