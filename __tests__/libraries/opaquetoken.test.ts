// A libraries token the STS hands over that is no JWT (an opaque token: the index took it): its
// expiry is unknown, which is no reason to fail the step once the clients are set up.
import { jest } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { setupLibraries } from '../../src/libraries/setup.js'
import { HeldLog } from '../../src/util/heldlog.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('libraries-opaque-')
const saved = { ...process.env }
afterEach(() => ((process.env = { ...saved }), jest.restoreAllMocks()))

it('names no expiry for a libraries token that is no JWT, rather than failing after the setup', async () => {
  const state = `${dir()}/state`
  writeFileSync(state, '')
  Object.assign(process.env, { RUNNER_TEMP: dir(), GITHUB_STATE: state })
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
  const log = new HeldLog()
  log.release()
  const creds = { identity: 'org/id', username: '_token', secret: 'registry-token', tokenFor: async () => 'opaque-libraries-token' }
  // No ecosystem: what this test is after happens once every one is set up.
  await expect(setupLibraries({ ecosystems: [], host: 'libraries.example.test' }, creds, log)).resolves.toEqual({
    configured: {},
    expiresAt: undefined,
  })
  expect(stdout.mock.calls.join('')).toContain('The libraries token expires at an unknown time')
})
