// The post step's chainctl logout, run with the job's own copy of chainctl.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { logoutChainctl } from '../../src/chainctl/logout.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('chainctl-logout-')

describe("the post step's chainctl logout", () => {
  it('fails with what chainctl said', async () => {
    const chainctl = join(dir(), 'chainctl')
    writeFileSync(chainctl, '#!/bin/sh\necho working\necho "Error: no token to revoke" >&2\nexit 1\n', { mode: 0o700 })
    await expect(logoutChainctl({ kind: 'chainctl-logout', chainctl })).rejects.toThrow(
      'chainctl auth logout failed: Error: no token to revoke',
    )
  })
})
