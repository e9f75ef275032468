import { createHash, createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { foldLines } from './mime-encoding.ts';

/**
 * DKIM signing (RFC 6376, rsa-sha256, relaxed/relaxed) of a finished raw message.
 *
 * Written here rather than left to nodemailer because nodemailer lists each header name at most
 * once in h= and only when present, so it cannot over-sign. Over-signing (RFC 6376 §5.4.2:
 * listing a name once more than it occurs) makes a header added later, above or below ours,
 * break the signature: without it, a copy of a signed mail with a second From, Subject or
 * List-Unsubscribe prepended still verifies, and many readers show the prepended one.
 */
export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export type DkimSigner = (raw: Buffer) => Buffer;

/** Signed once each when present (what nodemailer signed before, Feedback-ID included). */
const SIGNED = [
  'Sender',
  'Reply-To',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'Feedback-ID',
];
/** Signed once more than they occur: a second one, added anywhere, breaks the signature. */
export const OVER_SIGNED = ['From', 'Subject', 'List-Unsubscribe', 'List-Unsubscribe-Post'];

interface HeaderField {
  /** Lower-case name. */
  name: string;
  /** The whole field as written ("Name: value", folded lines kept). */
  line: string;
}

export function createDkimSigner(key: DkimKey): DkimSigner {
  const privateKey = parsePrivateKey(key.privateKey);
  return (raw) => {
    const text = raw.toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    const headerBlock = split === -1 ? text : text.slice(0, split);
    const body = split === -1 ? '' : text.slice(split + 4);
    const fields = parseHeaderFields(headerBlock);
    const names = headerNamesToSign(fields);
    const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
    const unsigned =
      foldLines(
        `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${key.domainName}; s=${key.keySelector}; bh=${bodyHash}; h=${names.join(':')}`,
        76,
      ) + ';\r\n b=';
    const signer = createSign('RSA-SHA256');
    signer.update(`${canonicalHeaders(fields, names)}${relaxedHeader(unsigned)}`, 'latin1');
    const signature = signer
      .sign(privateKey, 'base64')
      .replace(/.{1,72}/g, (chunk, offset: number) => (offset === 0 ? chunk : `\r\n ${chunk}`));
    return Buffer.concat([Buffer.from(`${unsigned}${signature}\r\n`, 'latin1'), raw]);
  };
}

/** Parsed once: a bad key stops the start with one line naming the setting, not every send later. */
function parsePrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new Error(
      `mail.dkim.privateKey is not a usable private key (${(error as Error).message}): give the PEM text of the RSA key, "-----BEGIN PRIVATE KEY-----" included`,
      { cause: error },
    );
  }
}

function parseHeaderFields(block: string): HeaderField[] {
  return block
    .split(/\r\n(?![ \t])/)
    .filter((line) => line.includes(':'))
    .map((line) => ({ name: line.slice(0, line.indexOf(':')).trim().toLowerCase(), line }));
}

/** h= in order: the over-signed names n+1 times (once even when absent), the others once if present. */
function headerNamesToSign(fields: readonly HeaderField[]): string[] {
  const count = (name: string): number => fields.filter((f) => f.name === name.toLowerCase()).length;
  const names: string[] = [];
  for (const name of OVER_SIGNED) for (let i = 0; i <= count(name); i++) names.push(name);
  for (const name of SIGNED) for (let i = 0; i < count(name); i++) names.push(name);
  return names;
}

/** RFC 6376 §5.4.2: repeated names take instances from the bottom up; a name with none left signs nothing. */
function canonicalHeaders(fields: readonly HeaderField[], names: readonly string[]): string {
  const remaining = [...fields];
  let out = '';
  for (const name of names) {
    const index = remaining.map((f) => f.name).lastIndexOf(name.toLowerCase());
    if (index === -1) continue;
    out += `${relaxedHeader(remaining[index]!.line)}\r\n`;
    remaining.splice(index, 1);
  }
  return out;
}

/** RFC 6376 §3.4.2. */
function relaxedHeader(line: string): string {
  const colon = line.indexOf(':');
  const value = line
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${line.slice(0, colon).trim().toLowerCase()}:${value}`;
}

/** RFC 6376 §3.4.4: whitespace runs to one space, none at line ends, no empty lines at the end. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}
