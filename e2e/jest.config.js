const { jestProject, swcOptions } = require('../jest.preset');

// matrix-js-sdk and some of its dependencies are ESM-only: let swc turn them into CommonJS too.
const esmPackages = ['matrix-js-sdk'];

module.exports = jestProject(__dirname, 'e2e', {
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testTimeout: 60_000,
  transform: { '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', swcOptions] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
});
