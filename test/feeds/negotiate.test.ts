import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRepresentation } from '../../src/feeds/feed-representation.ts';
import { chooseContentCoding, isNotModified } from '../../src/feeds/negotiate.ts';

describe('chooseContentCoding', () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0.1', 'gzip'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
    ['GZIP ; Q=1', 'gzip'],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected}`, () => assert.equal(chooseContentCoding(header), expected));
  }
});

describe('isNotModified', () => {
  const representation = buildRepresentation({
    text: 'x',
    lastModified: new Date('2026-01-10T12:00:00.500Z'),
    contentType: 'text/plain',
    cacheControl: 'no-cache',
  });
  const tag = representation.etags.identity;
  const cases: [string, string | undefined, string | undefined, boolean][] = [
    ['no validators', undefined, undefined, false],
    ['matching tag', tag, undefined, true],
    ['weak form of the tag', `W/${tag}`, undefined, true],
    ['tag in a list', `"a", ${tag}`, undefined, true],
    ['the gzip tag of the same bytes', representation.etags.gzip, undefined, true],
    ['star', '*', undefined, true],
    ['other tag, even with a later date (If-None-Match wins)', '"other"', 'Fri, 01 Jan 2100 00:00:00 GMT', false],
    ['same second', undefined, 'Sat, 10 Jan 2026 12:00:00 GMT', true],
    ['one second earlier', undefined, 'Sat, 10 Jan 2026 11:59:59 GMT', false],
    ['garbage date', undefined, 'yesterday', false],
  ];
  for (const [name, ifNoneMatch, ifModifiedSince, expected] of cases) {
    it(name, () => assert.equal(isNotModified({ ifNoneMatch, ifModifiedSince }, representation), expected));
  }

  it('reuses the previous representation only for the same bytes, headers and Last-Modified (the store decides Last-Modified)', () => {
    const same = buildRepresentation(
      { text: 'x', lastModified: representation.lastModified, contentType: 'text/plain', cacheControl: 'no-cache' },
      representation,
    );
    assert.equal(same, representation);
    const moved = buildRepresentation(
      {
        text: 'x',
        lastModified: new Date(representation.lastModified.getTime() + 1000),
        contentType: 'text/plain',
        cacheControl: 'no-cache',
      },
      representation,
    );
    assert.notEqual(moved, representation);
  });
});
