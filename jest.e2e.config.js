// The end-to-end suite: run inside the sandbox namespace by test/e2e/run.sh, one file at a time
// (every file binds the stand-ins' real host names on :443).
import base from './jest.config.js'

export default { ...base, roots: ['<rootDir>/test/e2e'], testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], testTimeout: 60000, verbose: true }
