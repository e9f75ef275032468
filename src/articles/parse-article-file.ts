import { createHash } from 'node:crypto';
import { stripControlCharacters } from '../shared/xml-text.ts';
import type { ArticleProblem } from './article.ts';
import { deriveSummary, deriveTitle } from './derive-title.ts';
import { parseArticleDate } from './parse-article-date.ts';

export const MAX_SLUG_LENGTH = 120;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** True for a string that could be an article's slug (routes use it to refuse others without a query). */
export function isValidSlug(slug: string): boolean {
  return slug.length <= MAX_SLUG_LENGTH && SLUG.test(slug);
}

/**
 * The slug a file's second line names, or null: enough to recognise a file still being written
 * (or copied) as the new home of an article, without trusting the rest of its text yet.
 */
export function peekSlug(bytes: Uint8Array): string | null {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096));
  const lines = stripControlCharacters(text).split(/\r\n|\r|\n/);
  // Only a finished line counts: a half-written "western-lea" would name another slug.
  const slug = lines.length > 2 ? lines[1]!.trim() : '';
  return isValidSlug(slug) ? slug : null;
}

/** The hash stored with an article: an edit is a change of these bytes. */
export function contentHashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ParsedArticle {
  slug: string;
  title: string;
  summary: string;
  paragraphs: string[];
  publishedAt: Date;
}

export type ParseResult = { ok: true; article: ParsedArticle } | { ok: false; problems: ArticleProblem[] };

/**
 * Turns the bytes of one seed file into an article, or into every problem found, each with the
 * file, the line and the reason. Pure: no I/O, no clock.
 *
 * Format: line 1 the date, line 2 the slug, line 3 blank, then paragraphs separated by blank lines.
 */
export function parseArticleFile(file: string, bytes: Uint8Array, timeZone: string): ParseResult {
  const problem = (line: number, code: ArticleProblem['code'], message: string): ParseResult => ({
    ok: false,
    problems: [{ file, line, code, message }],
  });

  const nul = bytes.indexOf(0);
  if (nul !== -1) return problem(lineOfOffset(bytes, nul), 'BinaryFile', 'the file contains NUL bytes: it is binary, not a text article');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    return problem(
      lineOfOffset(bytes, offset),
      'NotUtf8',
      `the file is not valid UTF-8 (first bad byte at offset ${offset}); save it as UTF-8`,
    );
  }
  const lines = stripControlCharacters(text).split(/\r\n|\r|\n/);
  if (lines.every((l) => l.trim() === ''))
    return problem(1, 'EmptyFile', 'the file is empty; expected a date on line 1, a slug on line 2, a blank line, then the body');

  const problems: ArticleProblem[] = [];
  const dateLine = lines[0] ?? '';
  let publishedAt: Date | undefined;
  if (dateLine.trim() === '') {
    problems.push({ file, line: 1, code: 'MissingDate', message: 'line 1 must be the publication date, such as "4 September, 2025"' });
  } else {
    const date = parseArticleDate(dateLine, timeZone);
    if (date.ok) publishedAt = date.instant;
    else problems.push({ file, line: 1, code: date.code, message: date.message });
  }

  const slug = (lines[1] ?? '').trim();
  if (slug === '') {
    problems.push({ file, line: 2, code: 'MissingSlug', message: 'line 2 must be the slug, such as "security-guarantees-for-ukraine"' });
  } else if (slug.length > MAX_SLUG_LENGTH) {
    problems.push({
      file,
      line: 2,
      code: 'InvalidSlug',
      message: `the slug is ${slug.length} characters long; at most ${MAX_SLUG_LENGTH} are allowed`,
    });
  } else if (!SLUG.test(slug)) {
    problems.push({
      file,
      line: 2,
      code: 'InvalidSlug',
      message: `the slug "${slug.slice(0, 80)}" may contain only lower-case letters a-z, digits and single hyphens between them`,
    });
  }

  if (lines.length > 2 && (lines[2] ?? '').trim() !== '') {
    problems.push({ file, line: 3, code: 'MissingBlankLine', message: 'line 3 must be blank, separating the slug from the body' });
  }

  const paragraphs = splitParagraphs(lines.slice(3));
  if (paragraphs.length === 0 && !problems.some((p) => p.code === 'MissingBlankLine')) {
    problems.push({ file, line: 4, code: 'MissingBody', message: 'the article has no body: add paragraphs after the blank line' });
  }

  if (problems.length > 0 || !publishedAt) return { ok: false, problems };
  return {
    ok: true,
    article: {
      slug: detachedCopy(slug),
      title: deriveTitle(slug, paragraphs),
      summary: deriveSummary(paragraphs),
      paragraphs,
      publishedAt,
    },
  };
}

/**
 * A copy of an ASCII string cut from a larger one that shares no memory with it. V8 keeps the
 * whole text a substring was cut from alive behind the substring, and an ingest keeps every
 * slug it saw until the end of the scan (its claims and its report): without the copy, 40,000
 * slugs held every file's text.
 */
function detachedCopy(ascii: string): string {
  return Buffer.from(ascii, 'latin1').toString('latin1');
}

/** Lines of a paragraph are joined with a space; blank lines separate paragraphs. */
function splitParagraphs(lines: readonly string[]): string[] {
  const paragraphs: string[] = [];
  let current: string[] = [];
  for (const raw of [...lines, '']) {
    const line = raw.replace(/\s+/g, ' ').trim();
    if (line === '') {
      if (current.length > 0) paragraphs.push(current.join(' '));
      current = [];
    } else {
      current.push(line);
    }
  }
  return paragraphs;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the shortest prefix that fails to decode (a cut multi-byte sequence at the
  // end of a prefix also fails, so step back over continuation bytes).
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid + 1));
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  let offset = lo;
  while (offset > 0 && (bytes[offset]! & 0xc0) === 0x80 && lo - offset < 3) offset--;
  return offset;
}
