// The post step's lines for each undo of a registry login, against real config files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setEntry } from '../../src/registry/configentry.js'
import { undoRegistry, type RegistryUndo } from '../../src/registry/undo.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('undo-')
const OURS = { auth: Buffer.from('_token:ours').toString('base64') }
const USERS = { auth: Buffer.from('me:my-own').toString('base64') }

/** A login recorded by a main step in `file` (holding `before`), as the post step gets it. */
function loggedIn(file: string, before: object, what: 'docker' | 'credential helper' = 'docker'): RegistryUndo {
  writeFileSync(file, JSON.stringify(before))
  const [section, value] = what === 'docker' ? (['auths', OURS] as const) : (['credHelpers', 'setup-chainctl'] as const)
  const undo = setEntry(file, section, 'cgr.dev', value, mkdtempSync(join(dir(), 'setup-chainctl-')))!
  return { kind: 'entry', what, ...undo }
}

describe('the post step undoing a registry login', () => {
  it('says it logged out, and whether the entry from before is back', async () => {
    const file = join(dir(), 'config.json')
    await expect(undoRegistry(loggedIn(file, {}))).resolves.toBe('Logged out of cgr.dev (docker)')
    await expect(undoRegistry(loggedIn(file, { auths: { 'cgr.dev': USERS } }))).resolves.toBe(
      `Logged out of cgr.dev (docker); the auths entry that was there before is back in ${file}`,
    )
    await expect(undoRegistry(loggedIn(file, { credHelpers: { 'cgr.dev': 'cgr' } }, 'credential helper'))).resolves.toBe(
      `Removed the credential helper for cgr.dev; the credHelpers entry that was there before is back in ${file}`,
    )
    await expect(undoRegistry(loggedIn(file, {}, 'credential helper'))).resolves.toBe('Removed the credential helper for cgr.dev')
  })

  it('leaves a login made since, says when the entry is already gone, and fails when the one from before is lost', async () => {
    const file = join(dir(), 'config.json')
    let undo = loggedIn(file, {})
    setEntry(file, 'auths', 'cgr.dev', USERS) // a later step's own login
    await expect(undoRegistry(undo)).resolves.toBe(
      `Left auths["cgr.dev"] in ${file} as it is: another login replaced this job's (docker) since`,
    )
    undo = loggedIn(file, {})
    writeFileSync(file, '{}') // a step logged out
    await expect(undoRegistry(undo)).resolves.toBe(`Nothing to undo for cgr.dev (docker): its entry is already gone from ${file}`)
    undo = loggedIn(file, { auths: { 'cgr.dev': USERS } })
    rmSync(`${file}.setup-chainctl.json`) // the record of the entry from before
    await expect(undoRegistry(undo)).rejects.toThrow(
      'Logged out of cgr.dev (docker), but the auths entry that was there before could not be put back: its saved copy is gone',
    )
    expect(readFileSync(file, 'utf8')).not.toContain(OURS.auth)
  })

  it("erases docker's login from the credential store it went to", async () => {
    const bin = dir()
    writeFileSync(join(bin, 'docker-credential-teststore'), `#!/bin/sh\ncat > "${bin}/erased"\n`, { mode: 0o755 })
    const path = process.env.PATH
    process.env.PATH = `${bin}:${path}`
    try {
      await expect(undoRegistry({ kind: 'store-erase', registry: 'cgr.dev', helper: 'teststore' })).resolves.toBe(
        'Logged out of cgr.dev (docker)',
      )
    } finally {
      process.env.PATH = path
    }
    expect(readFileSync(join(bin, 'erased'), 'utf8')).toBe('cgr.dev')
  })
})
