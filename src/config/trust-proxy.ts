import { isIP } from 'node:net';

/** The names Express's `trust proxy` (proxy-addr) expands to address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * What a `server.trustProxy` string should have been, or undefined when Express will take it: a
 * comma-separated list of range names, addresses and CIDR ranges (IPv4 also with a netmask).
 * Checked here because Express only finds out when the app is built, with a TypeError and a
 * stack trace instead of the one line that names the setting. Stricter than Express in one way:
 * addresses must be written the usual way (`127.0.0.1`, not `127.1`).
 */
export function trustProxyProblem(value: string): string | undefined {
  const bad = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => !isTrustedItem(item));
  if (bad.length === 0) return undefined;
  const number = value.trim();
  if (/^\d+$/.test(number)) return `a number of proxies written without quotes: ${number}, not "${number}"`;
  return `true, false, a number of proxies, or addresses, CIDR ranges and the names ${[...RANGE_NAMES].join(', ')} separated by commas (${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} none of these)`;
}

function isTrustedItem(item: string): boolean {
  if (RANGE_NAMES.has(item)) return true;
  const [address = '', range, ...rest] = item.split('/');
  if (rest.length > 0 || address.includes('%')) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4 && isContiguousMask(range);
}

/** 255.255.240.0 yes, 255.0.255.0 no: a netmask is ones then zeros. */
function isContiguousMask(mask: string): boolean {
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits);
}
