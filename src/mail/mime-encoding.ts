import { encode, wrap } from 'nodemailer/lib/qp';
import { encodeWords as nodemailerEncodeWords, foldLines as nodemailerFoldLines } from 'nodemailer/lib/mime-funcs';

/**
 * The MIME encoders Gazette borrows from nodemailer to build raw messages itself (see
 * mime-template.ts). `nodemailer/lib/qp` and `nodemailer/lib/mime-funcs` are listed in the
 * package's `exports` map (10.6.1), so Node resolves them, but they are not its documented API:
 * patch releases have changed what they write (10.0.11 and 10.1.0 for qp, 10.5.0 for
 * encodeWords). Use them through this module only: test/mail/mime-encoding.test.ts pins their
 * exact output, so an upgrade that changes a byte of a header or a body fails there first.
 */

/** Quoted-printable (RFC 2045) of UTF-8 text, without line wrapping. */
export function qpEncode(text: string): string {
  return encode(text);
}

/** Adds soft line breaks ("=\r\n") so no line of quoted-printable text is longer than `lineLength`. */
export function qpWrap(quotedPrintable: string, lineLength: number): string {
  return wrap(quotedPrintable, lineLength);
}

/**
 * RFC 2047 encoded words for a header value: the span from the first to the last word that is
 * not plain ASCII becomes "=?UTF-8?Q?…?=" words of at most `maxLength` characters of payload.
 * Plain ASCII comes back unchanged.
 */
export function encodeWords(value: string, encoding: 'Q', maxLength: number): string {
  return nodemailerEncodeWords(value, encoding, maxLength);
}

/** Folds a header line at whitespace so no line is longer than `lineLength` (RFC 5322 §2.2.3). */
export function foldLines(header: string, lineLength: number): string {
  return nodemailerFoldLines(header, lineLength);
}
