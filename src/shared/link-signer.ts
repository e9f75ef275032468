import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Signs the values carried by links in mail. Tokens are `value.signature`: nothing usable is
 * stored in the database, so a leaked database reveals no working link.
 */
export interface LinkSigner {
  /** A URL-safe token for `value` (which must itself be URL-safe), bound to `purpose`. */
  sign(purpose: string, value: string): string;
  /** The value inside a token signed for `purpose`, or undefined if forged, truncated or for another purpose. */
  verify(purpose: string, token: string): string | undefined;
  /**
   * A keyed hash (HMAC-SHA256, 64 hex characters) of `value` for `purpose`: what the store keeps
   * instead of a value it must recognise but never reveal (a suppressed address). Its key is
   * derived from the secret apart from the signatures' key, so a stored hash is never a signature.
   */
  keyedHash(purpose: string, value: string): string;
}

/**
 * The signature is 18 bytes of HMAC-SHA256: exactly 24 base64url characters, no padding.
 * Node's base64url decoder skips characters outside the alphabet and ignores a trailing partial
 * group, so `<mac>!`, `<mac>A`, `<mac>=` and `<mac>\0` decode to the same bytes. The signature is
 * therefore compared as text, in its one canonical spelling: any other spelling is a forgery.
 */
const CANONICAL_MAC = /^[A-Za-z0-9_-]{24}$/;

export function createLinkSigner(secret: string): LinkSigner {
  const mac = (purpose: string, value: string): string =>
    createHmac('sha256', secret).update(`${purpose}\0${value}`).digest().subarray(0, 18).toString('base64url');
  const hashKey = createHmac('sha256', secret).update('gazette keyed hash').digest();
  return {
    sign: (purpose, value) => `${value}.${mac(purpose, value)}`,
    keyedHash: (purpose, value) => createHmac('sha256', hashKey).update(`${purpose}\0${value}`).digest('hex'),
    verify(purpose, token) {
      const dot = token.lastIndexOf('.');
      if (dot <= 0 || token.length > 200) return undefined;
      const value = token.slice(0, dot);
      const given = token.slice(dot + 1);
      if (!CANONICAL_MAC.test(given)) return undefined;
      return timingSafeEqual(Buffer.from(given, 'ascii'), Buffer.from(mac(purpose, value), 'ascii')) ? value : undefined;
    },
  };
}

/** The configured secret, or one generated on first start and kept in `<dataDir>/secret.key` (mode 0600). */
export function resolveSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
