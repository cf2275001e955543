// Shared jest settings for every project: `module.exports = jestProject(__dirname, 'name')`.
// swc keeps test runs fast (the `typecheck` targets do the type-checking), with legacy
// decorators and metadata so Nest DI, TypeORM and class-validator keep working.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const swcOptions = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

function aliasMapper() {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    mapper[`^${alias.replace(/[/.@-]/g, (c) => `\\${c}`)}$`] = path.join(__dirname, target);
  }
  return mapper;
}

function jestProject(projectDir, displayName, overrides = {}) {
  return {
    displayName,
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: { '^.+\\.[tj]s$': ['@swc/jest', swcOptions] },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    moduleNameMapper: aliasMapper(),
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
    setupFiles: ['reflect-metadata'],
    ...overrides,
  };
}

module.exports = { jestProject, swcOptions };
