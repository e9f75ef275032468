/**
 * Title from the slug, in sentence case, each word written as the body writes it
 * ("…-for-ukraine" → "… for Ukraine"). A word's form at the start of a sentence says nothing
 * about it, so forms from inside sentences win; the most frequent form wins among those.
 */
export function deriveTitle(slug: string, paragraphs: readonly string[]): string {
  const slugWords = slug.split('-').filter(Boolean);
  const forms = collectWordForms(paragraphs, new Set(slugWords));
  const title = slugWords.map((word) => forms.get(word) ?? word).join(' ');
  return title.charAt(0).toUpperCase() + title.slice(1);
}

const SENTENCE_ENDS = new Set(['.', '!', '?', ':']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']']);
const OPENERS = new Set(['"', '“', '‘', '(']);

/**
 * True when the word at `index` starts a sentence: nothing before it, or (after whitespace) an
 * opening quote or bracket, or a sentence end followed by closing quotes or brackets. Scans back
 * from the word, so a long paragraph costs time in proportion to its length, not its square.
 */
function startsSentence(paragraph: string, index: number): boolean {
  let i = index - 1;
  while (i >= 0 && /\s/.test(paragraph[i]!)) i--;
  if (i < 0 || OPENERS.has(paragraph[i]!)) return true;
  while (i >= 0 && CLOSERS.has(paragraph[i]!)) i--;
  return i >= 0 && SENTENCE_ENDS.has(paragraph[i]!);
}

/** The chosen written form of each of `wanted` (lower-case words) that the body uses. */
function collectWordForms(paragraphs: readonly string[], wanted: ReadonlySet<string>): Map<string, string> {
  const counts = new Map<string, { inner: Map<string, number>; initial: Map<string, number> }>();
  for (const paragraph of paragraphs) {
    const re = /[\p{L}\p{N}]+/gu;
    let match: RegExpExecArray | null;
    while ((match = re.exec(paragraph))) {
      const form = match[0];
      const key = form.toLowerCase();
      if (!wanted.has(key)) continue;
      let entry = counts.get(key);
      if (!entry) counts.set(key, (entry = { inner: new Map(), initial: new Map() }));
      const bucket = startsSentence(paragraph, match.index) ? entry.initial : entry.inner;
      bucket.set(form, (bucket.get(form) ?? 0) + 1);
    }
  }
  const chosen = new Map<string, string>();
  for (const [key, { inner, initial }] of counts) {
    const pool = inner.size > 0 ? inner : initial;
    // An all-capitals form at a sentence start ("NATO") is kept; a capitalised common word is not.
    const best = [...pool.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    chosen.set(key, inner.size > 0 || best === best.toUpperCase() ? best : key);
  }
  return chosen;
}

/** The first paragraph, cut at a word boundary so that it fits `maxLength` characters (with an ellipsis). */
export function deriveSummary(paragraphs: readonly string[], maxLength = 280): string {
  const first = paragraphs[0] ?? '';
  if (first.length <= maxLength) return first;
  const cut = first.slice(0, maxLength - 1);
  const boundary = cut.search(/\s\S*$/);
  return `${(boundary > maxLength / 2 ? cut.slice(0, boundary) : cut).replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
