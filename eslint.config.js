// One lint config for the monorepo: type-aware, no floating promises, core kept pure.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.proxima/**',
      '**/.wrangler/**',
      '**/dist/**',
      'wasm/assembly/**',
      'wasm/build/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['edge/vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // core/ is pure: inject clocks, randomness and I/O instead of reaching for them.
    files: ['core/**/*.ts'],
    ignores: [
      'core/**/*.test.ts',
      'core/**/*.case.ts',
      'core/**/contract/**',
      'core/**/bench/**',
      'core/**/cli/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'path',
                'os',
                'crypto',
                'child_process',
                'net',
                'http',
                'https',
              ],
              message: 'core/ does no I/O; inject it.',
            },
            {
              group: ['@proxima/edge*', '@proxima/local-node*', '@proxima/functions*'],
              message: 'core/ must not depend on adapters.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Inject randomness into core/.' },
        { object: 'Date', property: 'now', message: 'Inject a clock into core/.' },
        { object: 'performance', property: 'now', message: 'Inject a clock into core/.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'core/ does no I/O.' },
        { name: 'setTimeout', message: 'core/ reads no clock; drive it with ticks.' },
        { name: 'setInterval', message: 'core/ reads no clock; drive it with ticks.' },
        { name: 'crypto', message: 'Inject randomness or hashing into core/.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: 'Inject a clock into core/.' },
      ],
    },
  },
);
