import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../shared/xml-text.ts';

/**
 * Render once, personalise after: templates are rendered with a placeholder token in place of
 * each personal value, then every recipient's copy is made by substitution. Tokens are letters
 * and digits only (MJML, Handlebars and quoted-printable leave them alone) and carry a random
 * nonce drawn per render, so article text cannot contain one by accident or on purpose.
 */
export const personalFields = ['greeting', 'unsubscribeUrl', 'preferencesUrl', 'confirmUrl'] as const;
export type PersonalField = (typeof personalFields)[number];
export type PersonalValues = Readonly<Record<PersonalField, string>>;

export interface Placeholders {
  /** The token for each field, to pass as template data. */
  readonly tokens: PersonalValues;
  readonly pattern: RegExp;
}

export function createPlaceholders(): Placeholders {
  const nonce = randomBytes(9).toString('hex');
  const tokens = Object.fromEntries(personalFields.map((f) => [f, `gz${nonce}${f}zg`])) as Record<PersonalField, string>;
  return { tokens, pattern: new RegExp(`gz${nonce}(${personalFields.join('|')})zg`, 'g') };
}

/** A rendered text cut at its placeholders: parts.length === fields.length + 1. */
export interface Segmented {
  readonly parts: readonly string[];
  readonly fields: readonly PersonalField[];
}

export function segment(text: string, placeholders: Placeholders): Segmented {
  const parts: string[] = [];
  const fields: PersonalField[] = [];
  let last = 0;
  for (const match of text.matchAll(placeholders.pattern)) {
    parts.push(text.slice(last, match.index));
    fields.push(match[1] as PersonalField);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return { parts, fields };
}

/** Personal values are plain text: HTML gets them escaped (element text and attributes alike). */
export function fillHtml(html: Segmented, values: PersonalValues): string {
  return fill(html, (f) => escapeHtml(values[f]));
}

export function fillText(text: Segmented, values: PersonalValues): string {
  return fill(text, (f) => values[f]);
}

function fill(s: Segmented, valueOf: (f: PersonalField) => string): string {
  let out = s.parts[0]!;
  for (let i = 0; i < s.fields.length; i++) out += valueOf(s.fields[i]!) + s.parts[i + 1]!;
  return out;
}

/** One line of plain text: no control characters can reach a header-free body line either. */
export function cleanPersonalText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001F\u007F]+/g, ' ').trim();
}
