import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { createLinkSigner, resolveSecret } from '../../src/shared/link-signer.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const signer = createLinkSigner('link-signer-test-secret-0123456789');
const VALUE = '3f2b8c1e-6a4d-4e1f-9b7a-2c5d8e0f1a3b';

/** A value whose signature contains both '-' and '_', so the standard-alphabet spellings differ from it. */
function valueWithUrlSafeCharacters(): { value: string; token: string } {
  for (let i = 0; ; i += 1) {
    const value = `${VALUE}-${i}`;
    const token = signer.sign('manage', value);
    const mac = token.slice(token.lastIndexOf('.') + 1);
    if (mac.includes('-') && mac.includes('_')) return { value, token };
  }
}

describe('link signer', () => {
  it('verifies what it signed, for the purpose it signed it for', () => {
    const token = signer.sign('confirm', VALUE);
    assert.match(token, /^[\w-]+\.[\w-]{24}$/);
    assert.equal(signer.verify('confirm', token), VALUE);
    assert.equal(signer.verify('manage', token), undefined, 'a confirmation link is not an unsubscribe link');
    assert.equal(createLinkSigner('another-secret-0123456789').verify('confirm', token), undefined);
  });

  it('signs the same value the same way every time; another value or purpose gives another signature', () => {
    const token = signer.sign('manage', VALUE);
    assert.equal(signer.sign('manage', VALUE), token);
    assert.notEqual(signer.sign('confirm', VALUE), token);
    assert.notEqual(signer.sign('manage', `${VALUE}0`).slice(-24), token.slice(-24));
  });

  it('a value with dots verifies whole (the signature follows the last dot)', () => {
    const value = 'edition.2026-11-29.daily';
    assert.equal(signer.verify('manage', signer.sign('manage', value)), value);
  });

  it('refuses a token over 200 characters, even one it signed', () => {
    const fits = 'v'.repeat(200 - 25);
    const tooLong = `${fits}v`;
    assert.equal(signer.sign('manage', fits).length, 200);
    assert.equal(signer.verify('manage', signer.sign('manage', fits)), fits);
    assert.equal(signer.verify('manage', signer.sign('manage', tooLong)), undefined);
  });

  it('refuses a tampered value or signature, a truncated token and a missing dot', () => {
    const token = signer.sign('manage', VALUE);
    const mac = token.slice(token.lastIndexOf('.') + 1);
    const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    for (const forged of [
      `${VALUE.replace('3f', '4f')}.${mac}`,
      `${VALUE}.${flipped}`,
      token.slice(0, -1),
      `${VALUE}.`,
      `.${mac}`,
      VALUE,
      `${VALUE}${mac}`,
    ]) {
      assert.equal(signer.verify('manage', forged), undefined, JSON.stringify(forged));
    }
  });

  it('accepts only the canonical spelling of the signature: junk that Node would decode to the same bytes is refused', () => {
    const { value, token } = valueWithUrlSafeCharacters();
    assert.equal(signer.verify('manage', token), value);
    const variants = [
      `${token}\0`,
      `${token}!`,
      `${token}A`,
      `${token}AA`,
      `${token}=`,
      `${token}==`,
      `${token} `,
      `${token}\n`,
      `${token}%`,
      `${token}.`,
      token.replace(/\.(.)/, '.!$1'), // junk inside the signature
      token.replace(/\.(.{12})/, '.$1='), // padding in the middle
      token.replace(/\.(.*)$/, (_m, mac: string) => `.${mac.replaceAll('-', '+')}`), // standard alphabet
      token.replace(/\.(.*)$/, (_m, mac: string) => `.${mac.replaceAll('_', '/')}`),
      `${token.slice(0, token.lastIndexOf('.') + 1)}${Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url').toString('base64')}`,
    ];
    for (const variant of variants) {
      assert.notEqual(variant, token);
      assert.equal(signer.verify('manage', variant), undefined, `accepted ${JSON.stringify(variant)}`);
    }
  });

  it('property: a token verifies only if it is exactly the token signing its value gives (seeded)', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 3, unit: 'binary' }) }),
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), text: fc.constant('') }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[\w-]{1,40}$/), fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, mutations) => {
        let token = signer.sign('manage', value);
        for (const { kind, at, text } of mutations) {
          const i = at % (token.length + 1);
          token = token.slice(0, i) + text + token.slice(kind === 'insert' ? i : i + 1);
        }
        const verified = signer.verify('manage', token);
        return verified === undefined || signer.sign('manage', verified) === token;
      }),
      { seed: 20261129, numRuns: 2000 },
    );
  });
});

describe('link secret', () => {
  it('the configured secret wins; without one, a secret is generated once, kept readable by the owner only, and reused', (t) => {
    const dataDir = path.join(makeTempDir(t), 'data');
    assert.equal(resolveSecret('configured-secret-0123456789', dataDir), 'configured-secret-0123456789');
    const generated = resolveSecret(null, dataDir);
    assert.match(generated, /^[\w-]{43}$/, '32 random bytes, base64url');
    const file = path.join(dataDir, 'secret.key');
    assert.equal(readFileSync(file, 'utf8'), `${generated}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(resolveSecret(null, dataDir), generated, 'a restart keeps the links it mailed working');
  });
});
