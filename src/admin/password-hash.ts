import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Console passwords, hashed with scrypt (memory-hard, in node:crypto, no native add-on).
 * The stored form carries its own parameters and salt, `scrypt$15$8$1$<salt>$<hash>` (log2 N,
 * r, p, base64url salt and key), so that a later change of the defaults leaves old hashes valid.
 * N = 2^15, r = 8 uses 32 MiB and about 50–100 ms per hash: OWASP's minimum for scrypt is
 * N = 2^17 with r = 8 and p = 1 or an equivalent; 2^15 with p = 3 is one of its equivalents,
 * and p = 3 triples the work without more memory.
 */
const DEFAULTS = Object.freeze({ logN: 15, r: 8, p: 3, keyLength: 32, saltLength: 16 });

/** Longest password accepted: scrypt reads all of it, so an unbounded one is a cheap denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;
export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function optionsOf(logN: number, r: number, p: number): ScryptOptions {
  // maxmem must exceed 128 * N * r, or node refuses; the default (32 MiB) is exactly that at N = 2^15, r = 8.
  return { N: 2 ** logN, r, p, maxmem: 128 * 2 ** logN * r * 2 };
}

export async function hashPassword(password: string): Promise<string> {
  const { logN, r, p, keyLength, saltLength } = DEFAULTS;
  const salt = randomBytes(saltLength);
  const key = await derive(password, salt, keyLength, optionsOf(logN, r, p));
  return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** False for a wrong password and for a stored value this code cannot read (never throws on either). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every(Number.isSafeInteger) || logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || expected.length < 16) return false;
  const key = await derive(password, salt, expected.length, optionsOf(logN, r, p));
  return timingSafeEqual(key, expected);
}

/** A hash of nothing anyone knows, verified against when the account does not exist: a sign-in takes as long either way. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
