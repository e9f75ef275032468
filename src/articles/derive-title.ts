/**
 * Title from the slug, in sentence case, each word written as the body writes it
 * ("…-for-ukraine" → "… for Ukraine"). A word's form at the start of a sentence says nothing
 * about it, so forms from inside sentences win; the most frequent form wins among those.
 */
export function deriveTitle(slug: string, paragraphs: readonly string[]): string {
  const forms = collectWordForms(paragraphs);
  const words = slug.split('-').filter(Boolean).map((word) => forms.get(word) ?? word);
  const title = words.join(' ');
  return title.charAt(0).toUpperCase() + title.slice(1);
}

function collectWordForms(paragraphs: readonly string[]): Map<string, string> {
  const counts = new Map<string, { inner: Map<string, number>; initial: Map<string, number> }>();
  for (const paragraph of paragraphs) {
    const re = /[\p{L}\p{N}]+/gu;
    let match: RegExpExecArray | null;
    while ((match = re.exec(paragraph))) {
      const form = match[0];
      const key = form.toLowerCase();
      const before = paragraph.slice(0, match.index).trimEnd();
      const initial = before === '' || /[.!?:]["'”’)\]]*$/.test(before) || /["“‘(]$/.test(before);
      let entry = counts.get(key);
      if (!entry) counts.set(key, (entry = { inner: new Map(), initial: new Map() }));
      const bucket = initial ? entry.initial : entry.inner;
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
