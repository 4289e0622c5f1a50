// ESLint for the project's JavaScript (`npm run lint`, and the `lint` step of
// `npm test`): eslint's recommended rules, lines of at most 120 characters and
// unused variables as errors. Each folder gets the globals of where it runs.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';

export default defineConfig([
  // Built or copied files, not ours to lint.
  globalIgnores(['web/vendor/', 'web/engine/', 'web/data/', 'build/', 'dist/']),
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Wrap long code instead; a URL cannot be wrapped.
      'max-len': ['error', { code: 120, ignoreUrls: true }],
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['web/**'], languageOptions: { globals: globals.browser } },
  { files: ['web/**/worker*.js', 'web/**/*-worker.js'], languageOptions: { globals: globals.worker } },
  { files: ['web/sw.js'], languageOptions: { globals: globals.serviceworker } },
  { files: ['tools/**', 'bench/**', 'tests/**', 'eslint.config.js'], languageOptions: { globals: globals.node } },
  // Scripts that drive a browser: the callbacks they give page.evaluate() run in the page.
  {
    files: [
      'tests/browser/**',
      'tests/firefox/**',
      'tools/screenshot*.mjs',
      'bench/engine-chromium.mjs',
      'bench/first-visit.mjs',
      'bench/page-training.mjs',
      'bench/soak.mjs',
    ],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
]);
