import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { MAX_BOUNCE_LOCAL_PART } from '../../src/config/config.schema.ts';
import {
  createDeliveryTags,
  createVerpAddresses,
  MAX_LOCAL_PART,
  packDeliveryId,
  unpackDeliveryId,
  VERP_OVERHEAD,
} from '../../src/mail/verp.ts';
import { createLinkSigner } from '../../src/shared/link-signer.ts';

const signer = createLinkSigner('a-test-secret-that-is-long-enough-for-verp');
const verp = createVerpAddresses({ bounceDomain: 'bounces.gazette.test', localPart: 'bounces' }, signer);
const localPartOf = (address: string): string => address.slice(0, address.lastIndexOf('@'));

const ids = [
  `${randomUUID()}:${randomUUID()}`,
  'ffffffff-ffff-ffff-ffff-ffffffffffff:ffffffff-ffff-ffff-ffff-ffffffffffff',
  `tx:confirmation:${randomUUID()}`,
  `tx:welcome:${randomUUID()}`,
  'tx:other:short',
];

test('every delivery id survives the trip through its VERP address, within 64 octets of local part', () => {
  for (const id of ids) {
    const address = verp.envelopeSenderFor(id);
    assert.ok(address, id);
    assert.match(address, /^bounces\+[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{12}@bounces\.gazette\.test$/);
    assert.ok(Buffer.byteLength(localPartOf(address)) <= MAX_LOCAL_PART, `${address} is too long`);
    assert.equal(verp.readVerpAddress(address), id);
    assert.equal(verp.readVerpAddress(`<${address.replace('gazette.test', 'GAZETTE.test')}>`), id, 'the domain is case-insensitive');
  }
});

test('the longest id (an edition delivery) fills the 64 octets exactly with a 7-character local part', () => {
  const address = verp.envelopeSenderFor(ids[1]!)!;
  assert.equal(localPartOf(address).length, 64);
  assert.equal(unpackDeliveryId(packDeliveryId(ids[1]!)!), ids[1]);
});

test('a local part that cannot fit the longest id is refused when VERP is set up, not per message', () => {
  assert.equal(MAX_BOUNCE_LOCAL_PART, MAX_LOCAL_PART - VERP_OVERHEAD, 'the config check and VERP agree');
  assert.throws(
    () => createVerpAddresses({ bounceDomain: 'b.test', localPart: 'newsletter' }, signer),
    /too long for VERP: at most 7 characters/,
  );
});

test('an id that would not fit is sent without VERP rather than with an overlong address', () => {
  assert.equal(verp.envelopeSenderFor(`tx:${'x'.repeat(60)}`), null);
});

test('altered, unsigned, foreign or re-signed addresses read as nothing', () => {
  const id = ids[0]!;
  const address = verp.envelopeSenderFor(id)!;
  const [local, domain] = [localPartOf(address), address.slice(address.lastIndexOf('@') + 1)];
  const token = local.slice('bounces+'.length);
  const [compact, mac] = token.split('.') as [string, string];
  const otherCompact = packDeliveryId(ids[2]!)!;
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const forged = [
    `bounces+${flip(compact, 5)}.${mac}@${domain}`,
    `bounces+${compact}.${flip(mac, 0)}@${domain}`,
    `bounces+${compact}.${mac.toLowerCase()}@${domain}`,
    `bounces+${compact}@${domain}`,
    `bounces+${otherCompact}.${mac}@${domain}`,
    `bounces+${compact}.${mac}A@${domain}`,
    `bounces+${compact}.${mac.slice(0, 11)}@${domain}`,
    `other+${compact}.${mac}@${domain}`,
    `bounces+${compact}.${mac}@elsewhere.test`,
    `${local}`,
    '',
  ];
  for (const address of forged) assert.equal(verp.readVerpAddress(address), undefined, address);
  const otherSecret = createVerpAddresses(
    { bounceDomain: domain, localPart: 'bounces' },
    createLinkSigner('another-secret-another-secret-xx'),
  );
  assert.equal(otherSecret.readVerpAddress(address), undefined, 'signed with another secret');
});

test('a delivery tag (for the providers) is the VERP token: it reads back with or without its dot, and not once altered', () => {
  const tags = createDeliveryTags(signer);
  for (const id of ids) {
    const tag = tags.tagFor(id)!;
    assert.equal(localPartOf(verp.envelopeSenderFor(id)!), `bounces+${tag}`, id);
    assert.equal(tags.readTag(tag), id);
    assert.equal(tags.readTag(tag.replace('.', '')), id, 'the SES tag form, which allows no "."');
    const flipped = tag.slice(0, -1) + (tag.endsWith('A') ? 'B' : 'A');
    assert.equal(tags.readTag(flipped), undefined, `${id}: altered MAC`);
    assert.equal(tags.readTag(`A${tag}`), undefined, `${id}: altered id`);
  }
  const other = createDeliveryTags(createLinkSigner('another-site-secret-that-is-long-enough'));
  assert.equal(other.readTag(tags.tagFor(ids[0]!)!), undefined, "another site's secret");
  for (const junk of ['', '.', 'delivery-42', 'x'.repeat(300), '.AAAAAAAAAAAA']) assert.equal(tags.readTag(junk), undefined, junk);
});
