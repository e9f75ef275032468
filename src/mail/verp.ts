import { timingSafeEqual } from 'node:crypto';
import type { LinkSigner } from '../shared/link-signer.ts';

/**
 * VERP (variable envelope return path): each delivery's envelope sender names the delivery, so a
 * bounce sent back to it says which delivery failed even when its text names nobody.
 * The address is `<local>+<compact id>.<mac>@<bounce domain>`: the id packed into base64url
 * (below), then the first MAC_CHARS characters of the LinkSigner's signature for purpose 'verp'.
 * An address whose MAC does not match was not made by us (or was altered) and reads as nothing.
 *
 * RFC 5321 caps a local part at 64 octets. An edition's delivery id (`<uuid>:<uuid>`) packs into
 * 43 characters; with "+", "." and a 12-character MAC (72 bits: enough, since each guess costs a
 * forger one mail) that leaves 7 for the local part ("bounces" fits exactly). A longer local
 * part is refused when the composer is built, not discovered per message.
 *
 * Base64url is case-sensitive: a relay that lower-cases local parts breaks the MAC, and such a
 * bounce falls back to the recipient address it names.
 */
export interface VerpAddresses {
  /** The envelope sender for a delivery: its VERP address, or null when this id cannot be carried. */
  envelopeSenderFor: (deliveryId: string) => string | null;
  /** The delivery id a VERP address carries, or undefined for an address not ours, unsigned or altered. */
  readVerpAddress: (address: string) => string | undefined;
}

export interface VerpSettings {
  bounceDomain: string;
  /** Before the "+": the configured bounce local part, or the From address's. */
  localPart: string;
}

export const MAX_LOCAL_PART = 64;
const MAC_CHARS = 12;
const PURPOSE = 'verp';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const EDITION_ID = new RegExp(`^(${UUID}):(${UUID})$`);
const TX_ID = new RegExp(`^tx:(confirmation|welcome):(${UUID})$`);
/** base64url of two UUIDs' 32 bytes: always this long, and no other form is. */
const PAIR_CHARS = 43;
const TX_TAGS: Record<string, string> = { confirmation: 'c', welcome: 'w' };
const TAG_KINDS: Record<string, string> = { c: 'confirmation', w: 'welcome' };
const B64URL = /^[A-Za-z0-9_-]+$/;

/** The longest local part the packing needs beyond the configured one: "+", an edition id, ".", the MAC. */
export const VERP_OVERHEAD = 1 + PAIR_CHARS + 1 + MAC_CHARS;

/**
 * The signed compact delivery id on its own (`<compact id>.<mac>`, what a VERP address carries
 * after the "+"): also written into the X-Gazette-Delivery header and the providers' metadata,
 * which their webhooks hand back. SES tag values allow no ".", so the dotless form (the MAC is
 * always the last MAC_CHARS characters) reads too.
 */
export interface DeliveryTags {
  /** The tag of a delivery, or null for an id of a shape that cannot be packed. */
  tagFor(deliveryId: string): string | null;
  /** The delivery id a tag carries, or undefined for a tag unsigned, altered or not ours. */
  readTag(tag: string): string | undefined;
}

export function createDeliveryTags(signer: LinkSigner): DeliveryTags {
  const mac = (compact: string): string => signer.sign(PURPOSE, compact).slice(-24, -24 + MAC_CHARS);
  return {
    tagFor: (deliveryId) => {
      const compact = packDeliveryId(deliveryId);
      return compact ? `${compact}.${mac(compact)}` : null;
    },
    readTag: (tag) => {
      if (tag.length > 200) return undefined;
      const dot = tag.lastIndexOf('.');
      const compact = dot < 0 ? tag.slice(0, -MAC_CHARS) : tag.slice(0, dot);
      if (compact.length === 0) return undefined;
      const given = Buffer.from(dot < 0 ? tag.slice(-MAC_CHARS) : tag.slice(dot + 1), 'ascii');
      const expected = Buffer.from(mac(compact), 'ascii');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      return unpackDeliveryId(compact);
    },
  };
}

export function createVerpAddresses(settings: VerpSettings, signer: LinkSigner): VerpAddresses {
  if (settings.localPart.length + VERP_OVERHEAD > MAX_LOCAL_PART) {
    throw new Error(
      `mail.bounceLocalPart "${settings.localPart}" is too long for VERP: at most ${MAX_LOCAL_PART - VERP_OVERHEAD} characters (such as "bounces") keep the envelope sender within 64 octets`,
    );
  }
  const tags = createDeliveryTags(signer);
  const prefix = `${settings.localPart}+`;
  const domain = settings.bounceDomain.toLowerCase();
  return {
    envelopeSenderFor: (deliveryId) => {
      const tag = tags.tagFor(deliveryId);
      const local = tag && `${prefix}${tag}`;
      return local && local.length <= MAX_LOCAL_PART ? `${local}@${settings.bounceDomain}` : null;
    },
    readVerpAddress: (address) => {
      const bare = address.trim().replace(/^<|>$/g, '');
      const at = bare.lastIndexOf('@');
      if (at < 0 || bare.slice(at + 1).toLowerCase() !== domain) return undefined;
      const local = bare.slice(0, at);
      if (!local.startsWith(prefix) || local.length > MAX_LOCAL_PART) return undefined;
      const tag = local.slice(prefix.length);
      // An address keeps its "." (the dotless form is for SES tags only).
      return tag.lastIndexOf('.') > 0 ? tags.readTag(tag) : undefined;
    },
  };
}

/** The compact form of a delivery id, or null for an id of a shape that cannot be packed short enough. */
export function packDeliveryId(deliveryId: string): string | null {
  const pair = EDITION_ID.exec(deliveryId);
  if (pair) return Buffer.concat([uuidBytes(pair[1]!), uuidBytes(pair[2]!)]).toString('base64url');
  const tx = TX_ID.exec(deliveryId);
  if (tx) return `${TX_TAGS[tx[1]!]}${uuidBytes(tx[2]!).toString('base64url')}`;
  // Any other id travels as text, tagged "t"; never as long as the pair form, which it would read as.
  const text = `t${Buffer.from(deliveryId, 'utf8').toString('base64url')}`;
  return text.length === PAIR_CHARS ? null : text;
}

export function unpackDeliveryId(compact: string): string | undefined {
  if (!B64URL.test(compact)) return undefined;
  if (compact.length === PAIR_CHARS) {
    const bytes = Buffer.from(compact, 'base64url');
    return `${uuidText(bytes.subarray(0, 16))}:${uuidText(bytes.subarray(16, 32))}`;
  }
  const tag = compact[0]!;
  const body = compact.slice(1);
  if (tag === 't') return Buffer.from(body, 'base64url').toString('utf8');
  const kind = TAG_KINDS[tag];
  if (!kind || body.length !== 22) return undefined;
  return `tx:${kind}:${uuidText(Buffer.from(body, 'base64url'))}`;
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
