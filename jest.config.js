// ESM TypeScript through ts-jest; run with --experimental-vm-modules (see package.json).
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  // test/ holds the fixtures the tests import: in the roots, so a run limited to the tests related
  // to a file (Stryker's findRelatedTests) follows a test through its fixture to src/.
  roots: ['<rootDir>/__tests__', '<rootDir>/test', '<rootDir>/src'],
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 20000,
}
