import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createGazette } from '../../src/main.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { makeTestConfig } from '../support/test-config.ts';

test('a seeds directory that disappears under a running service is one log line per scan, naming the setting, without a stack trace', async (t) => {
  const logged = new PassThrough();
  const lines: string[] = [];
  logged.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const { config, seedsDir } = makeTestConfig(t);
  const gazette = await createGazette(config, {
    clock: new ManualClock('2026-01-10T12:00:00Z'),
    log: createLogger({ level: 'warn', destination: logged }),
  });
  t.after(() => gazette.close());
  rmSync(seedsDir, { recursive: true });

  assert.equal(await gazette.scheduler.runNow('scan'), 'failed');
  assert.equal(await gazette.scheduler.runNow('scan'), 'failed');
  const failures = lines
    .map((l) => JSON.parse(l) as { msg: string; code?: string; err?: unknown })
    .filter((l) => l.msg.startsWith('job scan failed'));
  assert.equal(failures.length, 2, 'one line per scan');
  for (const failure of failures) {
    assert.match(
      failure.msg,
      /^job scan failed: The seeds directory .* does not exist: create it or set paths\.seedsDir \(GAZETTE_SEEDS_DIR\)\.$/,
    );
    assert.equal(failure.code, 'SeedDirectoryMissing');
    assert.equal(failure.err, undefined, 'no error object, so no stack trace');
  }
});
