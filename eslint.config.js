// ESLint over the whole tree: typescript-eslint's recommended rules, Prettier owning formatting
// (eslint-config-prettier turns off the rules it would fight), and the runtime reading its environment
// only through src/config.ts. Import cycles are checked by scripts/check-cycles.ts (npm run lint).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['src/generated/', 'node_modules/', '.data/', 'coverage/'] },
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
