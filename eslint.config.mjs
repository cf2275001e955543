import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

// Dependencies point one way: apps -> api -> feature -> storage/streams -> protocol.
const layers = {
  'type:app': ['type:api', 'type:coordination', 'type:feature', 'type:replication', 'type:writer', 'type:platform', 'type:storage', 'type:core', 'type:config', 'type:util', 'type:protocol', 'type:testing'],
  'type:api': ['type:feature', 'type:platform', 'type:config', 'type:util', 'type:protocol', 'type:testing'],
  'type:feature': ['type:replication', 'type:writer', 'type:platform', 'type:storage', 'type:core', 'type:config', 'type:util', 'type:protocol', 'type:testing'],
  // Wires the features to the replication bus (worker mode); the apps compose it.
  'type:coordination': ['type:feature', 'type:replication', 'type:writer', 'type:platform', 'type:storage', 'type:core', 'type:config', 'type:util', 'type:protocol', 'type:testing'],
  // The replication bus, streams' row codecs, catch-up and HTTP replication (worker mode).
  'type:replication': ['type:platform', 'type:storage', 'type:core', 'type:config', 'type:util', 'type:protocol', 'type:testing'],
  'type:writer': ['type:storage', 'type:core', 'type:config', 'type:util', 'type:protocol', 'type:testing'],
  'type:platform': ['type:config', 'type:util', 'type:protocol', 'type:testing'],
  'type:storage': ['type:core', 'type:config', 'type:protocol', 'type:testing'],
  'type:core': ['type:protocol', 'type:testing'],
  'type:config': ['type:protocol', 'type:testing'],
  'type:util': ['type:protocol'],
  'type:protocol': ['type:testing'],
  'type:testing': ['type:protocol', 'type:config'],
  'type:e2e': ['type:testing', 'type:core', 'type:protocol', 'type:config'],
  // The benchmark harness speaks HTTP only, so that it measures any homeserver alike.
  'type:bench': [],
  // Command-line tools (tools/*): read configs and use pure helpers, never the server's layers.
  'type:tool': ['type:util', 'type:config', 'type:protocol'],
};

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  prettier,
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', 'data/**', 'tmp/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: Object.entries(layers).map(([sourceTag, onlyDependOnLibsWithTags]) => ({
            sourceTag,
            onlyDependOnLibsWithTags,
          })),
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@chat/*/*'], message: 'Import a lib through its index (@chat/<lib>).' }] },
      ],
    },
  },
  {
    // Entities and TypeORM stay inside the storage lib.
    files: ['libs/!(storage)/**/*.ts', 'apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'typeorm', message: 'TypeORM stays inside libs/storage.' }],
          patterns: [{ group: ['@chat/*/*'], message: 'Import a lib through its index (@chat/<lib>).' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
