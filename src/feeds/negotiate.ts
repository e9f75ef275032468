import { matchesAnyEtag, type ContentCoding, type FeedRepresentation } from './feed-representation.ts';

const PREFERENCE: readonly ContentCoding[] = ['br', 'gzip', 'identity'];

/**
 * The content coding to send for an Accept-Encoding header (RFC 9110 12.5.3): the highest
 * q-value wins, ties go to the smaller body (br, then gzip); `q=0` refuses a coding; `*`
 * covers codings not named; identity is acceptable unless refused. Without the header,
 * identity. If everything is refused we still send identity rather than a 406: a feed reader
 * that sent a broken header is better served with a feed.
 */
export function chooseContentCoding(acceptEncoding: string | undefined): ContentCoding {
  if (!acceptEncoding) return 'identity';
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)).find(Boolean);
    weights.set(name.trim() === 'x-gzip' ? 'gzip' : name.trim(), q ? Number(q[1]) : 1);
  }
  const star = weights.get('*');
  const weightOf = (coding: ContentCoding): number =>
    weights.get(coding) ?? (coding === 'identity' ? (star === 0 ? 0 : Math.max(star ?? 0, 0.001)) : (star ?? 0));
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of PREFERENCE) {
    const w = weightOf(coding);
    if (w > bestWeight) {
      best = coding;
      bestWeight = w;
    }
  }
  return best;
}

/**
 * `chooseContentCoding` remembering its last answers: readers send a handful of distinct
 * headers, and parsing each once keeps allocations off the hot path (BENCHMARKS.md, "Feeds").
 */
export type ContentCodingChooser = (acceptEncoding: string | undefined) => ContentCoding;

export function createContentCodingChooser(capacity = 100): ContentCodingChooser {
  const remembered = new Map<string, ContentCoding>();
  return (acceptEncoding) => {
    if (!acceptEncoding) return 'identity';
    let coding = remembered.get(acceptEncoding);
    if (coding === undefined) {
      coding = chooseContentCoding(acceptEncoding);
      if (remembered.size >= capacity) remembered.clear();
      remembered.set(acceptEncoding, coding);
    }
    return coding;
  };
}

export interface ConditionalHeaders {
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
}

/**
 * True when the client's copy is current (RFC 9110 13.2.2): If-None-Match decides when present;
 * If-Modified-Since is used only without it, and only when it parses as a date.
 */
export function isNotModified(headers: ConditionalHeaders, representation: FeedRepresentation): boolean {
  if (headers.ifNoneMatch !== undefined) return matchesAnyEtag(headers.ifNoneMatch, representation);
  if (headers.ifModifiedSince === undefined) return false;
  const since = Date.parse(headers.ifModifiedSince);
  return !Number.isNaN(since) && representation.lastModified.getTime() <= since;
}
