import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseArticleFile } from '../../src/articles/parse-article-file.ts';
import { projectRoot } from '../../src/config/load-config.ts';

const TZ = 'Europe/London';
const parse = (text: string | Uint8Array, tz = TZ) => parseArticleFile('a.txt', typeof text === 'string' ? Buffer.from(text) : text, tz);

describe('parseArticleFile', () => {
  it('reads the real seed article', () => {
    const file = path.join(projectRoot, 'seeds', '000_8dfb4a8e5c26fdd7.txt');
    const result = parseArticleFile('000_8dfb4a8e5c26fdd7.txt', readFileSync(file), TZ);
    assert.ok(result.ok);
    const a = result.article;
    assert.equal(a.slug, 'western-leaders-convene-to-discuss-security-guarantees-for-ukraine');
    assert.equal(a.title, 'Western leaders convene to discuss security guarantees for Ukraine');
    assert.equal(a.paragraphs.length, 8);
    // 4 September 2025, midnight in London (BST, UTC+1)
    assert.equal(a.publishedAt.toISOString(), '2025-09-03T23:00:00.000Z');
    assert.ok(a.summary.startsWith('About 30 Western leaders'));
    assert.ok(a.summary.endsWith('…') && a.summary.length <= 280);
    assert.ok(a.paragraphs[0]!.startsWith(a.summary.slice(0, -1)));
  });

  for (const [line, iso] of [
    ['4 September, 2025', '2025-09-03T23:00:00.000Z'],
    ['4 September 2025', '2025-09-03T23:00:00.000Z'],
    ['September 4, 2025', '2025-09-03T23:00:00.000Z'],
    ['Sept 4 2025', '2025-09-03T23:00:00.000Z'],
    ['2025-09-04', '2025-09-03T23:00:00.000Z'],
    ['Thursday, 4th September 2025', '2025-09-03T23:00:00.000Z'],
    ['4 January 2025', '2025-01-04T00:00:00.000Z'],
    ['2025-09-04T10:30', '2025-09-04T09:30:00.000Z'],
    ['2025-09-04T10:30:00Z', '2025-09-04T10:30:00.000Z'],
    ['2025-09-04 10:30+02:00', '2025-09-04T08:30:00.000Z'],
  ] as const) {
    it(`accepts the date "${line}"`, () => {
      const r = parse(`${line}\nslug\n\nBody.`);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.article.publishedAt.toISOString(), iso);
    });
  }

  it('publishes a date-only article at midnight in the configured timezone', () => {
    const r = parse('2025-09-04\nslug\n\nBody.', 'America/New_York');
    assert.ok(r.ok);
    assert.equal(r.article.publishedAt.toISOString(), '2025-09-04T04:00:00.000Z');
  });

  for (const [text, line, code] of [
    ['31 February 2025\nslug\n\nBody.', 1, 'ImpossibleDate'],
    ['2025-13-01\nslug\n\nBody.', 1, 'ImpossibleDate'],
    ['Friday, 4 September 2025\nslug\n\nBody.', 1, 'ImpossibleDate'],
    ['yesterday\nslug\n\nBody.', 1, 'InvalidDate'],
    ['4 Smarch 2025\nslug\n\nBody.', 1, 'InvalidDate'],
    ['\nslug\n\nBody.', 1, 'MissingDate'],
    ['2025-09-04\n\n\nBody.', 2, 'MissingSlug'],
    ['2025-09-04\nHello-World\n\nBody.', 2, 'InvalidSlug'],
    ['2025-09-04\nhello_world\n\nBody.', 2, 'InvalidSlug'],
    ['2025-09-04\nhello--world\n\nBody.', 2, 'InvalidSlug'],
    ['2025-09-04\n-hello\n\nBody.', 2, 'InvalidSlug'],
    [`2025-09-04\n${'a'.repeat(121)}\n\nBody.`, 2, 'InvalidSlug'],
    ['2025-09-04\nslug\nBody right away.', 3, 'MissingBlankLine'],
    ['2025-09-04\nslug\n\n\n   \n', 4, 'MissingBody'],
    ['2025-09-04\nslug', 4, 'MissingBody'],
    ['', 1, 'EmptyFile'],
  ] as const) {
    it(`reports ${code} on line ${line} for ${JSON.stringify(text.slice(0, 30))}`, () => {
      const r = parse(text);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const p = r.problems.find((x) => x.code === code);
      assert.ok(p, JSON.stringify(r.problems));
      assert.equal(p.line, line);
      assert.equal(p.file, 'a.txt');
      assert.ok(p.message.length > 10);
    });
  }

  it('reports every problem of a file at once', () => {
    const r = parse('31 February 2025\nBad Slug\n\nBody.');
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(
        r.problems.map((p) => [p.line, p.code]),
        [
          [1, 'ImpossibleDate'],
          [2, 'InvalidSlug'],
        ],
      );
  });

  it('rejects binary files and invalid UTF-8 with the line of the first bad byte', () => {
    const bin = parse(Buffer.from([0x32, 0x30, 0x0a, 0x00, 0x01]));
    assert.ok(!bin.ok && bin.problems[0]!.code === 'BinaryFile' && bin.problems[0]!.line === 2);
    const latin1 = parse(Buffer.concat([Buffer.from('2025-09-04\nslug\n\nCaf'), Buffer.from([0xe9]), Buffer.from(' au lait.')]));
    assert.ok(!latin1.ok);
    assert.equal(latin1.problems[0]!.code, 'NotUtf8');
    assert.equal(latin1.problems[0]!.line, 4);
  });

  it('accepts CRLF and a byte-order mark, joins lines of a paragraph, removes XML-forbidden characters', () => {
    const r = parse('\uFEFF4 September, 2025\r\nslug-here\r\n\r\nOne line\r\n  continues here.\r\n\r\nBell\u0007 and\u000B tab\tstay.\r\n');
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.article.paragraphs, ['One line continues here.', 'Bell and tab stay.']);
  });

  it('removes DEL and the C1 controls (U+007F to U+009F) from the body and the slug line alike', () => {
    const r = parse('2025-09-04\nslug-here\u0085\n\nNext\u0085line, del\u007f and \u0080\u009fend.\n');
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.article.paragraphs, ['Nextline, del and end.']);
    assert.equal(r.article.slug, 'slug-here');
  });

  it('derives the title from the slug with the capitalisation the body uses', () => {
    const r = parse(
      '2025-09-04\nnato-and-the-eu-meet-in-paris\n\nThe NATO chiefs met the EU in Paris. The meeting was long and the food was good.',
    );
    assert.ok(r.ok);
    assert.equal(r.article.title, 'NATO and the EU meet in Paris');
  });
});
