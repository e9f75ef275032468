/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or CR) as a formula, and names and
 * even addresses ("=x@example.com" is valid) come from strangers. Exports prefix such cells with
 * an apostrophe (OWASP's advice); imports remove it again, so an export imports unchanged.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeCsvFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function unescapeCsvFormula(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
