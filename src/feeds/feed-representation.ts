import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type ContentCoding = 'br' | 'gzip' | 'identity';

/**
 * One feed document ready to send: its bytes in every content coding, compressed once when it
 * is rendered, and every header value precomputed so that serving it costs no work.
 */
export interface FeedRepresentation {
  readonly bodies: Readonly<Record<ContentCoding, Buffer>>;
  /** Strong validators, one per coding: a gzip body is not byte-identical to the plain one. */
  readonly etags: Readonly<Record<ContentCoding, string>>;
  readonly lastModified: Date;
  /** `lastModified` as an HTTP date. */
  readonly lastModifiedHttp: string;
  /** With `; charset=utf-8`. */
  readonly contentType: string;
  readonly cacheControl: string;
  /** `Link` header lines (WebSub hub and self); empty for documents nobody subscribes to. */
  readonly links: readonly string[];
}

export interface RepresentationInput {
  text: string;
  /** When the document last changed as readers see it. */
  lastModified: Date;
  contentType: string;
  cacheControl: string;
  links?: readonly string[];
}

// Quality 9 compresses within a few percent of 11 at a tenth of the time, which keeps a
// rebuild inside its budget (see BENCHMARKS.md, "Feeds").
const BROTLI_QUALITY = 9;

/** The hash of a document's bytes: its ETag, and the key its Last-Modified is stored under. */
export function hashText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 27);
}

/**
 * `input.lastModified` comes from the store (`settleLastModified`), keyed by the bytes' hash:
 * it moves whenever the bytes do, and every instance serving the same bytes gives the same one.
 */
export function buildRepresentation(input: RepresentationInput, previous?: FeedRepresentation): FeedRepresentation {
  const identity = Buffer.from(input.text, 'utf8');
  const hash = hashText(input.text);
  const etags = { identity: `"${hash}"`, gzip: `"${hash}-gz"`, br: `"${hash}-br"` };
  const lastModified = new Date(Math.floor(input.lastModified.getTime() / 1000) * 1000);
  if (
    previous &&
    previous.etags.identity === etags.identity &&
    previous.cacheControl === input.cacheControl &&
    previous.lastModified.getTime() === lastModified.getTime()
  )
    return previous;
  return {
    bodies: {
      identity,
      gzip: gzipSync(identity, { level: 9 }),
      br: brotliCompressSync(identity, {
        params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
      }),
    },
    etags,
    lastModified,
    lastModifiedHttp: lastModified.toUTCString(),
    contentType: input.contentType,
    cacheControl: input.cacheControl,
    links: input.links ?? [],
  };
}

/** If-None-Match matches any coding's tag of the same bytes (weak comparison, RFC 9110 13.1.2). */
export function matchesAnyEtag(ifNoneMatch: string, representation: FeedRepresentation): boolean {
  const { identity, gzip, br } = representation.etags;
  // What readers send back: exactly the tag they were given.
  if (ifNoneMatch === gzip || ifNoneMatch === br || ifNoneMatch === identity) return true;
  if (ifNoneMatch.trim() === '*') return true;
  const tags = [identity, gzip, br];
  return ifNoneMatch.split(',').some((candidate) => tags.includes(candidate.trim().replace(/^W\//, '')));
}
