import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeEmail, normalizeName } from '../../src/subscribers/validate-email.ts';

describe('normalizeEmail', () => {
  const accepted: [string, string][] = [
    ['reader@example.com', 'reader@example.com'],
    ['  Reader.Name@EXAMPLE.Com  ', 'Reader.Name@example.com'],
    ['first+tag@mail.example.co.uk', 'first+tag@mail.example.co.uk'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['user@bücher.example', 'user@xn--bcher-kva.example'],
    ['x@xn--80ak6aa92e.com', 'x@xn--80ak6aa92e.com'],
    [`${'a'.repeat(64)}@example.com`, `${'a'.repeat(64)}@example.com`],
  ];
  for (const [input, expected] of accepted) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      const result = normalizeEmail(input);
      assert.ok(result.ok, !result.ok ? result.reason : '');
      assert.equal(result.value.email, expected);
      assert.equal(result.value.key, expected);
    });
  }

  const rejected: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['plainaddress', /not an email address/],
    ['@example.com', /not an email address/],
    ['reader@', /not an email address/],
    ['reader@localhost', /domain/],
    ['reader@example', /domain/],
    ['reader@-example.com', /domain/],
    ['reader@exa_mple.com', /domain/],
    ['reader@example.c0m', /domain/],
    ['reader@[127.0.0.1]', /domain/],
    ['re..ader@example.com', /before the @/],
    ['.reader@example.com', /before the @/],
    ['"quoted"@example.com', /before the @/],
    ['a b@example.com', /before the @/],
    [`${'a'.repeat(65)}@example.com`, /64 characters/],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`, /longer than 254/],
    [`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`, /domain/],
    ['reader@example.com\r\nBcc: victim@example.org', /line break/],
    ['reader@example.com\n', /line break/],
    ['reader@example.com%0d%0aBcc:x@example.org', /before the @/],
    ['reader\u0000@example.com', /control/],
    ['reader@exam\u202Eple.com', /control/],
    ['<script>@example.com', /before the @/],
  ];
  for (const [input, reason] of rejected) {
    it(`rejects ${JSON.stringify(input.slice(0, 60))}`, () => {
      const result = normalizeEmail(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }
});

describe('normalizeName', () => {
  it('trims, folds inner whitespace, and treats empty as no name', () => {
    assert.deepEqual(normalizeName('  Ada   Lovelace '), { ok: true, value: 'Ada Lovelace' });
    assert.deepEqual(normalizeName('   '), { ok: true, value: null });
    assert.deepEqual(normalizeName(undefined), { ok: true, value: null });
    assert.deepEqual(normalizeName('Zoë Ω “quoted” & co'), { ok: true, value: 'Zoë Ω “quoted” & co' });
  });
  it('rejects control characters, angle brackets and overlong names', () => {
    assert.equal(normalizeName('Ada\r\nBcc: x@example.com').ok, false);
    assert.equal(normalizeName('<script>alert(1)</script>').ok, false);
    assert.equal(normalizeName('Ada <other@example.com>').ok, false);
    assert.equal(normalizeName('a'.repeat(101)).ok, false);
    assert.equal(normalizeName('a'.repeat(100)).ok, true);
  });
});
