// ESLint over the whole tree: typescript-eslint's recommended rules and its type-aware rules about
// promises, Prettier owning formatting (eslint-config-prettier turns off the rules it would fight), and
// the runtime reading its environment only through src/config.ts. Import cycles are checked by
// scripts/check-cycles.ts (npm run lint).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['src/generated/', 'node_modules/', '.data/', 'coverage/', 'dist/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // `_name` marks what is there to be left out (a destructured secret, an unused callback argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The type-aware rules that catch lost async work: a promise nobody awaits inside a transaction
    // escapes it. (The rest of recommendedTypeChecked flags the tests' untyped response bodies by the
    // hundred, so it is not on.)
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // Tests assert answers field by field against what the API documents; typing every response body
    // would restate the OpenAPI document and the SDL by hand.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read settings through loadConfig (src/config.ts)' },
      ],
    },
  },
)
