import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planSeedChanges,
  publishedChangesOf,
  readPlanFile,
  waitsOnOthers,
  type StoredArticle,
} from '../../src/articles/plan-seed-changes.ts';

const stored = (slug: string, sourceFile: string, deleted = false, contentHash = 'h'): StoredArticle => ({
  slug,
  sourceFile,
  contentHash,
  deleted,
});

describe('what a plan changes as readers see it', () => {
  it('counts a restored article as added, an edited one as updated, and an unclaimed one as removed', () => {
    const plan = planSeedChanges(
      [
        readPlanFile('new.txt', null, { slug: 'new', contentHash: 'h' }),
        readPlanFile('back.txt', null, { slug: 'back', contentHash: 'h' }),
        readPlanFile('edited.txt', 'edited', { slug: 'edited', contentHash: 'k' }),
      ],
      [stored('back', 'back.txt', true), stored('edited', 'edited.txt'), stored('gone', 'gone.txt')],
    );
    assert.deepEqual(publishedChangesOf(plan), { added: ['new', 'back'], updated: ['edited'], removed: ['gone'], changed: true });
  });

  it('reports no change for files that are already published as they are', () => {
    const plan = planSeedChanges([readPlanFile('a.txt', 'a', { slug: 'a', contentHash: 'h' })], [stored('a', 'a.txt')]);
    assert.deepEqual(publishedChangesOf(plan), { added: [], updated: [], removed: [], changed: false });
  });

  it('makes a file that lost a slug contest wait on the other file, and only that one', () => {
    const plan = planSeedChanges(
      [readPlanFile('a.txt', null, { slug: 'x', contentHash: 'h' }), readPlanFile('b.txt', null, { slug: 'x', contentHash: 'k' })],
      [],
    );
    assert.equal(waitsOnOthers(plan.rejected), true);
    assert.equal(waitsOnOthers([{ file: 'c.txt', line: 1, code: 'MissingDate', message: 'no date' }]), false);
  });

  it('gives a file with bad text no article in the plan, keeping the slug it held', () => {
    assert.deepEqual(readPlanFile('a.txt', 'a', undefined), { kind: 'read', path: 'a.txt', previousSlug: 'a' });
  });
});
