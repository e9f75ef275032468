/**
 * How often a subscriber is mailed (glossary: frequency). Config, the store, the pages and the
 * mail all speak of it; the values and their wording are defined here only.
 */
export const FREQUENCIES = ['instant', 'daily', 'weekly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** The frequencies that get a digest: one edition per period between two firings of their schedule. */
export type DigestFrequency = Exclude<Frequency, 'instant'>;

export function isFrequency(value: unknown): value is Frequency {
  return (FREQUENCIES as readonly unknown[]).includes(value);
}

export function isDigestFrequency(value: unknown): value is DigestFrequency {
  return value === 'daily' || value === 'weekly';
}

// Written to end a sentence ("You will receive a daily digest."); the form options are the same
// words capitalised, so a page and a mail never describe one choice two ways.
const LABELS: Readonly<Record<Frequency, string>> = {
  instant: 'each article as it is published',
  daily: 'a daily digest',
  weekly: 'a weekly digest',
};

/** The frequency in words, lower-case, for use inside a sentence. */
export function frequencyLabel(frequency: Frequency): string {
  return LABELS[frequency];
}

/** The same words standing alone, as a form option: "A daily digest". */
export function frequencyOptionLabel(frequency: Frequency): string {
  const label = LABELS[frequency];
  return label.charAt(0).toUpperCase() + label.slice(1);
}
