/**
 * Masks what must never reach a log line: secrets given by value (the admin token, the link
 * secret, webhook keys, passwords), the tokens of signed links (in a path or a query string),
 * and email addresses (kept as their first character and domain: `j***@example.org`, enough to
 * tell providers apart). Applied to every serialised line, whatever logged it, so a message that
 * quotes an address or a URL is covered as well as a field.
 */
export function createMasker(secrets: readonly (string | null | undefined)[]): (line: string) => string {
  // Short values would mask ordinary words; every secret setting requires 16 characters or more.
  const literal = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8))].sort(
    (a, b) => b.length - a.length,
  );
  const secretPattern = literal.length > 0 ? new RegExp(literal.map(escapeRegExp).join('|'), 'g') : undefined;
  return (line) => {
    let out = secretPattern ? line.replace(secretPattern, '[secret]') : line;
    out = out.replace(SIGNED_PATH, '$1[redacted]');
    out = out.replace(SECRET_QUERY, '$1[masked]');
    out = out.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
    out = out.replace(ENCODED_EMAIL, (_m, first: string, domain: string) => `${first}***%40${domain}`);
    return out;
  };
}

/** The signed-link routes: /confirm/<token>, /unsubscribe/<token>, /preferences/<token>; and the address in /api/suppressions/<address>. */
/** A route template's parameter (":token") is left alone. */
const SIGNED_PATH = /(\/(?:confirm|unsubscribe|preferences|api\/suppressions)\/)(?![:[])[^/?#\s"\\]+/g;
/** Query parameters that carry a credential or a signature. */
const SECRET_QUERY = /([?&](?:token|signature|sig|key|secret|password|access_token|api_key|code)=)[^&#\s"\\]*/gi;
/** Local parts as people have them (no "/" or quotes: a path such as node_modules/@scope in a stack trace is not an address). */
const EMAIL = /([A-Za-z0-9!#$%&*+?^_~-])[A-Za-z0-9!#$%&*+?^_~.-]*@((?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+)/g;
const ENCODED_EMAIL = /([A-Za-z0-9._+-])[A-Za-z0-9._+-]*%40((?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+)/gi;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
