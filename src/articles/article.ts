/** An article as the rest of Gazette sees it: what a valid seed file becomes. */
export interface Article {
  id: string;
  slug: string;
  title: string;
  summary: string;
  paragraphs: string[];
  sourceFile: string;
  publishedAt: Date;
  createdAt: Date;
  /** The last change to the text after the first ingest; null if never edited. */
  updatedAt: Date | null;
  deletedAt: Date | null;
}

/** When the article last changed as readers see it: its edit time, or its publication time. */
export function lastChangeOf(article: Pick<Article, 'publishedAt' | 'updatedAt'>): Date {
  return article.updatedAt && article.updatedAt > article.publishedAt ? article.updatedAt : article.publishedAt;
}

export type ArticleProblemCode =
  | 'NotUtf8'
  | 'BinaryFile'
  | 'EmptyFile'
  | 'MissingDate'
  | 'InvalidDate'
  | 'ImpossibleDate'
  | 'MissingSlug'
  | 'InvalidSlug'
  | 'MissingBlankLine'
  | 'MissingBody'
  | 'DuplicateSlug'
  | 'UnreadableFile';

/** One thing wrong with one seed file, precise enough to fix without reading our code. */
export interface ArticleProblem {
  file: string;
  line: number;
  code: ArticleProblemCode;
  message: string;
}

export function formatProblem(problem: ArticleProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message} [${problem.code}]`;
}
