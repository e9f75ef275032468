import type { Article } from '../../src/articles/article.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { Config } from '../../src/config/config.schema.ts';

/** A config for benchmarks: no files read beyond config/default.json, quiet logs. */
export function benchConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, overrides: { site: { baseUrl: 'https://news.example.com' }, log: { level: 'silent' }, ...overrides } });
}

/** A 10-article digest's worth of realistic articles. */
export function benchArticles(count = 10): Article[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `article-${i}`,
    slug: `a-realistic-headline-about-topic-number-${i}`,
    title: `A realistic headline about topic number ${i}, with “quotes” & ampersands`,
    summary:
      'Leaders met on Thursday to discuss guarantees, trade and the winter ahead; the talks ran late into the evening and ended with a joint statement. '.repeat(
        2,
      ),
    paragraphs: Array.from({ length: 6 }, () => 'A paragraph of body text, long enough to look like journalism. '.repeat(6)),
    sourceFile: `a-${i}.txt`,
    publishedAt: new Date(Date.UTC(2025, 8, 1 + (i % 7), 8)),
    createdAt: new Date(Date.UTC(2025, 8, 1 + (i % 7), 8)),
    updatedAt: null,
    deletedAt: null,
  }));
}
