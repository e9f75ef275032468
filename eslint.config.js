import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Rules that catch bugs, not taste: layout belongs to Prettier (eslint-config-prettier, last,
// switches off anything that would fight it), and no stylistic preset is enabled.
export default defineConfig(
  globalIgnores(['data/', '.tmp/', 'dist/', 'templates/', 'test/**/snapshots/']),
  {
    // An eslint-disable comment that no longer silences anything fails the lint, so none goes stale.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['bin/**/*.js', '*.js'],
    extends: [js.configs.recommended],
    // Node's globals these plain-JavaScript files use (bin/gazette.js's error path).
    languageOptions: { globals: { URL: 'readonly', console: 'readonly', process: 'readonly' } },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Type information from tsconfig.json, which already includes these four folders.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test/describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // An async function with no await is how an implementation of a Promise-returning
      // interface turns a throw into a rejection; no-floating-promises covers forgotten awaits.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The service runs compiled (dist/): a production install has neither tsx nor esbuild.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['tsx', 'tsx/*', 'esbuild'], message: 'src/ runs compiled: tsx and esbuild are dev dependencies only' }] },
      ],
    },
  },
  {
    // supertest types every response body as `any`; the assertions on it are the check. `any`
    // stays forbidden in what the tests write themselves (no-explicit-any is still on).
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
