import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { writeArticle } from '../support/build-article.ts';
import { GAZETTE_BIN } from '../support/gazette-bin.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const execFileAsync = promisify(execFile);

async function gazette(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [GAZETTE_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('gazette check and ingest name each bad file, line and reason, publish the good ones, and exit 1', async (t) => {
  const dir = makeTempDir(t);
  const seeds = path.join(dir, 'seeds');
  writeArticle(seeds, { slug: 'fine-article' });
  writeFileSync(path.join(seeds, 'broken.txt'), '31 February 2025\nBad Slug\n\nBody.\n');
  const env = { GAZETTE_SEEDS_DIR: seeds, GAZETTE_DATA_DIR: path.join(dir, 'data'), GAZETTE_LOG_LEVEL: 'silent' };

  const check = await gazette(['check'], env);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /^broken\.txt:1: 2025-02-31 is not a date on the calendar \[ImpossibleDate\]$/m);
  assert.match(check.stdout, /^broken\.txt:2: .*\[InvalidSlug\]$/m);
  assert.match(check.stdout, /2 files checked .*: 1 valid, 2 problems/);

  const ingest = await gazette(['ingest'], env);
  assert.equal(ingest.code, 1);
  assert.match(ingest.stderr, /broken\.txt:1: .*\[ImpossibleDate\]/);
  assert.match(ingest.stdout, /2 files, 2 read: 1 added, 0 updated, 0 removed, 2 problems/);

  writeFileSync(path.join(seeds, 'broken.txt'), '28 February 2025\ngood-slug\n\nBody.\n');
  assert.equal((await gazette(['check'], env)).code, 0);
  const fixed = await gazette(['ingest'], env);
  assert.equal(fixed.code, 0);
  assert.match(fixed.stdout, /1 added/);
});

test('gazette check blames the same file for a duplicate slug as the ingest rejects: the newcomer, never the published one', async (t) => {
  const dir = makeTempDir(t);
  const seeds = path.join(dir, 'seeds');
  const env = { GAZETTE_SEEDS_DIR: seeds, GAZETTE_DATA_DIR: path.join(dir, 'data'), GAZETTE_LOG_LEVEL: 'silent' };
  writeArticle(seeds, { slug: 'contested', file: 'b-published.txt', paragraphs: ['The published text.'] });
  assert.equal((await gazette(['ingest'], env)).code, 0);
  // The newcomer sorts first by name: only the published file's ownership decides.
  writeArticle(seeds, { slug: 'contested', file: 'a-newcomer.txt', paragraphs: ['A second text.'] });

  const check = await gazette(['check'], env);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /^a-newcomer\.txt:2: the slug "contested" is already used by b-published\.txt; .*\[DuplicateSlug\]$/m);
  assert.doesNotMatch(check.stdout, /^b-published\.txt/m);
  const ingest = await gazette(['ingest'], env);
  assert.match(ingest.stderr, /^a-newcomer\.txt:2: the slug "contested" is already used by b-published\.txt; .*\[DuplicateSlug\]$/m);
  assert.doesNotMatch(ingest.stderr, /^b-published\.txt/m);

  rmSync(path.join(seeds, 'b-published.txt'));
  rmSync(path.join(seeds, 'a-newcomer.txt'));
  writeArticle(seeds, { slug: 'still-here' });
  assert.match(
    (await gazette(['check'], env)).stdout,
    /^contested: published, but no file holds it any more: the next ingest unpublishes it$/m,
  );

  // Another directory, which no store has seen, is judged as a first ingest would judge it.
  const other = path.join(dir, 'elsewhere');
  writeArticle(other, { slug: 'contested', file: 'b-published.txt' });
  writeArticle(other, { slug: 'contested', file: 'a-newcomer.txt' });
  assert.match((await gazette(['check', other], env)).stdout, /^b-published\.txt:2: .*already used by a-newcomer\.txt/m);
});

test('gazette reports a bad setting by key and an unknown command with the usage', async () => {
  const bad = await gazette(['check'], { GAZETTE_BASE_URL: 'not a url' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /site\.baseUrl: expected an absolute http\(s\) URL/);
  const unknown = await gazette(['publish'], {});
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "publish"/);
  const help = await gazette(['ingest', '--help'], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: gazette ingest/);
});
