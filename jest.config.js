/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The CRE workflow tests run under bun with the SDK's test runtime (bun:test): npm test runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cre-workflow/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Type-checking is `npm run typecheck`'s job; ts-jest only transpiles (isolatedModules).
  testTimeout: 30_000,
  // Deno's cache seeded from node_modules, for the toolkit's `deno` (no npm download at test time).
  globalSetup: '<rootDir>/test/support/deno-cache-global-setup.ts',
}
