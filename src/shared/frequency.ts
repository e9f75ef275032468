/** How often a subscriber gets mail: each article as it is published, or a daily or weekly digest. */
export const FREQUENCIES = ['instant', 'daily', 'weekly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
/** The frequencies that get a digest: one edition per period between two firings of their schedule. */
export type DigestFrequency = Exclude<Frequency, 'instant'>;

const LABELS: Readonly<Record<Frequency, string>> = {
  instant: 'each new article as it is published',
  daily: 'a daily digest of new articles',
  weekly: 'a weekly digest of new articles',
};

/** What a subscriber of this frequency chose, in the words mail and pages use. */
export function frequencyLabel(frequency: Frequency): string {
  return LABELS[frequency];
}
