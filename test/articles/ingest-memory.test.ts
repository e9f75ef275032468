import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/config/load-config.ts';
import { openStore } from '../../src/store/open-store.ts';
import { writeArticle } from '../support/build-article.ts';
import { writeTestConfigFile } from '../support/test-config.ts';

/**
 * The ingest's memory does not grow with the number of files: `gazette ingest` of 16,000 files
 * (2.7 KB each, 43 MB) in a child process whose V8 heap is capped at 112 MB. The app itself holds
 * about 50 MB; an ingest that keeps every parsed file until one final write (as before issue 16)
 * needs well over the cap and is aborted by V8 ("heap out of memory"), whatever the speed of the
 * machine. Throughput is bench/ingest-memory.ts's business, not this test's.
 */
const FILES = 16_000;
const HEAP_CAP_MB = 112;

function paragraphsOf(i: number): string[] {
  return Array.from({ length: 6 }, (_, p) =>
    Array.from({ length: 5 }, (_, s) => `Sentence ${s} of paragraph ${p} in article ${i}, long enough to read like the news.`).join(' '),
  );
}

describe('ingest memory', () => {
  it(`ingests ${FILES} files with the heap capped at ${HEAP_CAP_MB} MB`, async (t) => {
    const { configFile, config } = writeTestConfigFile(t);
    for (let i = 0; i < FILES; i++)
      writeArticle(config.paths.seedsDir, {
        slug: `bulk-article-${i}`,
        file: `folder-${i % 100}/bulk-${i}.txt`,
        paragraphs: paragraphsOf(i),
      });

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', 'tsx', path.join(projectRoot, 'src/cli.ts'), 'ingest', '--config', configFile],
      { cwd: projectRoot, maxBuffer: 1 << 20 },
    );
    assert.match(stdout, new RegExp(`^${FILES} files, ${FILES} read: ${FILES} added, 0 updated, 0 removed, 0 problems`));

    const store = await openStore({ url: null, dataDir: config.paths.dataDir });
    t.after(() => store.close());
    const live = await store.db
      .selectFrom('articles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    assert.equal(Number(live.n), FILES);
  });
});
