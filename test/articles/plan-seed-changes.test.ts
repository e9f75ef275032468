import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifySeedFile, planSeedChanges, type PlanFile, type StoredArticle } from '../../src/articles/plan-seed-changes.ts';

type A = { slug: string; contentHash: string };
const read = (path: string, slug: string, hash = 'h'): PlanFile<A> => ({
  kind: 'read',
  path,
  previousSlug: null,
  article: { slug, contentHash: hash },
});
const live = (slug: string, sourceFile: string, contentHash = 'h'): StoredArticle => ({ slug, sourceFile, contentHash, deleted: false });

describe('planSeedChanges', () => {
  it('keeps a slug with the file that publishes it, whatever the names sort like', () => {
    const plan = planSeedChanges([read('a-newcomer.txt', 'x', 'new'), read('b-published.txt', 'x')], [live('x', 'b-published.txt')]);
    assert.deepEqual(
      plan.rejected.map((p) => [p.file, p.code]),
      [['a-newcomer.txt', 'DuplicateSlug']],
    );
    assert.match(plan.rejected[0]!.message, /already used by b-published\.txt/);
    assert.deepEqual([plan.add, plan.update, plan.remove], [[], [], []]);
  });

  it('postpones the removal of an article whose slug a file still being written names (copy-then-delete)', () => {
    const plan = planSeedChanges(
      [{ kind: 'deferred', path: 'b.txt', slug: null, peekedSlug: 'x' }, read('other.txt', 'y')],
      [live('x', 'a.txt'), live('y', 'other.txt')],
    );
    assert.deepEqual([plan.remove, plan.removalsPostponed], [[], ['x']]);
    const later = planSeedChanges([read('b.txt', 'x'), read('other.txt', 'y')], [live('x', 'a.txt'), live('y', 'other.txt')]);
    assert.deepEqual([later.remove, later.update.map((u) => [u.path, u.textChanged])], [[], [['b.txt', false]]]);
  });

  it('reads a file only once it has been quiet for the quiet period, and not again while unchanged', () => {
    assert.equal(classifySeedFile({ fingerprint: 'a', ageMs: 5_000 }, undefined, 30_000), 'deferred');
    assert.equal(classifySeedFile({ fingerprint: 'a', ageMs: -5_000 }, undefined, 30_000), 'deferred');
    assert.equal(classifySeedFile({ fingerprint: 'a', ageMs: 31_000 }, undefined, 30_000), 'read');
    assert.equal(classifySeedFile({ fingerprint: 'a', ageMs: 5_000 }, undefined, 0), 'read');
    assert.equal(classifySeedFile({ fingerprint: 'a', ageMs: 5 }, { fingerprint: 'a', waitsOnOthers: false }, 30_000), 'kept');
    assert.equal(classifySeedFile({ fingerprint: 'a', ageMs: 60_000 }, { fingerprint: 'a', waitsOnOthers: true }, 30_000), 'read');
  });

  it('holds back every removal when the directory holds no article file', () => {
    const plan = planSeedChanges([], [live('x', 'a.txt')]);
    assert.deepEqual([plan.heldBack, plan.remove], [true, []]);
  });

  // For every directory and store: one file per slug, the owner never loses its slug, and the
  // plan does not depend on the order files are listed in (ingest and check list them alike only by luck).
  it('for any files and store: one file per slug, owners keep theirs, removals only of slugs no file names, order-independent', () => {
    const slug = fc.constantFrom('s1', 's2', 's3', 's4');
    const path = fc.constantFrom('a.txt', 'b.txt', 'c.txt', 'd/e.txt', 'f.txt');
    const file: fc.Arbitrary<PlanFile<A>> = fc.oneof(
      fc
        .record({
          kind: fc.constant('read' as const),
          path,
          previousSlug: fc.option(slug),
          article: fc.option(fc.record({ slug, contentHash: fc.constantFrom('h', 'k') }), { nil: undefined }),
        })
        .map(({ article, ...f }) => (article ? { ...f, article } : f)),
      fc.record({ kind: fc.constantFrom('kept' as const, 'deferred' as const), path, slug: fc.option(slug), peekedSlug: fc.option(slug) }),
    );
    const files = fc.uniqueArray(file, { selector: (f) => f.path, maxLength: 5 });
    const stored = fc.uniqueArray(fc.record({ slug, sourceFile: path, contentHash: fc.constantFrom('h', 'k'), deleted: fc.boolean() }), {
      selector: (a) => a.slug,
      maxLength: 4,
    });
    fc.assert(
      fc.property(files, stored, fc.integer(), (fs, st, seed) => {
        // What the store records: each slug held by at most one file before this scan.
        const heldBefore = fs.flatMap((f) => (f.kind === 'read' ? (f.previousSlug ? [f.previousSlug] : []) : f.slug ? [f.slug] : []));
        fc.pre(new Set(heldBefore).size === heldBefore.length);
        const plan = planSeedChanges(fs, st);
        const accepted = fs.filter((f) => f.kind === 'read' && f.article && !plan.rejected.some((p) => p.file === f.path));
        const claimedByUnread = new Set(fs.flatMap((f) => (f.kind !== 'read' && f.slug ? [f.slug] : [])));
        const acceptedSlugs = accepted.map((f) => (f.kind === 'read' ? f.article!.slug : ''));
        assert.equal(new Set(acceptedSlugs).size, acceptedSlugs.length, 'two files accepted for one slug');
        for (const s of acceptedSlugs) assert.ok(!claimedByUnread.has(s), `${s} is accepted while a file not read holds it`);
        for (const f of fs) {
          const owner =
            f.kind !== 'read' || !f.article
              ? undefined
              : st.find((a) => a.slug === f.article!.slug && !a.deleted && a.sourceFile === f.path);
          const heldByOther = fs.some(
            (o) => o.path !== f.path && (o.kind === 'read' ? !o.article && o.previousSlug === owner?.slug : o.slug === owner?.slug),
          );
          if (owner && !heldByOther) assert.ok(!plan.rejected.some((p) => p.file === f.path), `the owner ${f.path} lost ${owner.slug}`);
        }
        const named = new Set([
          ...acceptedSlugs,
          ...claimedByUnread,
          ...fs.flatMap((f) =>
            f.kind === 'deferred' && f.peekedSlug
              ? [f.peekedSlug]
              : f.kind === 'read' && !f.article && f.previousSlug
                ? [f.previousSlug]
                : [],
          ),
        ]);
        for (const s of plan.remove) {
          assert.ok(!named.has(s), `${s} is removed while a file names it`);
          assert.ok(st.some((a) => a.slug === s && !a.deleted));
        }
        const shuffled = [...fs].sort((a, b) => (hash(a.path, seed) - hash(b.path, seed)) | 0);
        const again = planSeedChanges(shuffled, st);
        const norm = (p: typeof plan) =>
          JSON.stringify([
            p.add.map((a) => a.slug).sort(),
            p.update.map((u) => u.path).sort(),
            [...p.remove].sort(),
            p.rejected.map((r) => r.file).sort(),
          ]);
        assert.equal(norm(again), norm(plan), 'the plan depends on the order of the files');
      }),
      { seed: 20261129, numRuns: 300 },
    );
  });
});

function hash(text: string, seed: number): number {
  let h = seed;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h;
}
