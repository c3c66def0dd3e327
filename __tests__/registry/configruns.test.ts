// Runs that share one docker config file (two uses in a job, jobs on one runner): each undo leaves
// the others their logins, and the last to end puts back what the user had.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { restoreEntry, setEntry } from '../../src/registry/configentry.js'
import { configFiles, mode, OTHER, OURS, read, USERS } from '../../test/configfiles.ts'

const { dir, runFolder, set } = configFiles()

describe('one config entry, set and undone', () => {
  describe('two runs on one file', () => {
    let file: string
    const entry = () => read(file).auths?.['cgr.dev']
    beforeEach(() => {
      file = join(dir(), 'config.json')
      writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }), { mode: 0o644 })
    })

    it('two uses in one job (the later post step first): the first login, then the user entry, come back', () => {
      const first = set(file, OURS)
      const second = set(file, OTHER)
      expect(restoreEntry(second)).toBe('restored')
      expect(entry()).toMatchObject(OURS)
      expect(mode(file)).toBe(0o600) // a credential of a running job is in it still
      expect(restoreEntry(first)).toBe('restored')
      expect(entry()).toEqual(USERS)
      expect(mode(file)).toBe(0o644)
    })

    it('two jobs, the first ends first: it leaves the second one its login, which then puts back the user entry', () => {
      const first = set(file, OURS)
      const second = set(file, OTHER)
      expect(restoreEntry(first)).toBe('replaced')
      expect(entry()).toMatchObject(OTHER)
      expect(restoreEntry(second)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('two jobs with the same credential (one identity, one second): each knows its own entry', () => {
      writeFileSync(file, '{}')
      const first = set(file, OURS)
      const second = set(file, { ...OURS })
      expect(restoreEntry(first)).toBe('replaced')
      expect(entry()).toMatchObject(OURS) // the second job's login stays
      expect(restoreEntry(second)).toBe('removed')
    })

    it('three jobs, the middle one ends first: the first keeps its login until the last has ended', () => {
      const THIRD = { auth: Buffer.from('_token:third-run').toString('base64') }
      const [a, b, c] = [set(file, OURS), set(file, OTHER), set(file, THIRD)]
      expect(restoreEntry(b)).toBe('replaced')
      expect(restoreEntry(c)).toBe('restored')
      expect(entry()).toMatchObject(OURS) // A is still running
      expect(restoreEntry(a)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('two jobs with one pull token, after a docker rewrite: the first to end leaves the other its login', () => {
      const [a, b] = [set(file, OURS), set(file, { ...OURS })]
      writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': OURS } })) // docker rewrote the file
      expect(restoreEntry(a)).toBe('replaced')
      expect(entry()).toEqual(OURS)
      expect(restoreEntry(b)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it("with nothing there before, no ended run's login comes back", () => {
      writeFileSync(file, '{}')
      const first = set(file, OURS)
      const second = set(file, OTHER)
      expect(restoreEntry(first)).toBe('replaced')
      expect(restoreEntry(second)).toBe('removed')
      expect(readFileSync(file, 'utf8')).toBe('{}')
    })

    it('with no file before them, the last to end removes the file and the folders the first made', () => {
      const home = dir()
      const file = join(home, '.docker', 'config.json')
      const first = set(file, OURS)
      const second = set(file, OTHER)
      expect(restoreEntry(first)).toBe('replaced')
      expect(restoreEntry(second)).toBe('removed')
      expect(readdirSync(home)).toEqual([])
    })

    it('the last to end leaves what a step changed meanwhile', () => {
      const first = set(file, OURS)
      const second = set(file, OTHER)
      setEntry(file, 'auths', 'ghcr.io', USERS) // a step's own login elsewhere
      expect(restoreEntry(first)).toBe('replaced')
      expect(restoreEntry(second)).toBe('restored')
      expect(read(file)).toEqual({ auths: { 'cgr.dev': USERS, 'ghcr.io': USERS } })
    })

    it("a run whose undo never ran (its temp folder gone): its login does not come back, the user's does", () => {
      const first = set(file, OURS)
      rmSync(first.folder, { recursive: true }) // the runner emptied RUNNER_TEMP
      const second = set(file, OTHER)
      expect(restoreEntry(second)).toBe('restored')
      expect(entry()).toEqual(USERS) // what the user had before either
    })

    it('a step logged out: an earlier run leaves the entry out while a later one runs, and the last puts back the user entry', () => {
      const [a, b] = [set(file, OURS), set(file, OTHER)]
      writeFileSync(file, '{"auths": {}}') // docker logout cgr.dev
      expect(restoreEntry(a)).toBe('gone') // the job still running decides
      expect(entry()).toBeUndefined()
      expect(restoreEntry(b)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('a step logged out and a later run was killed: the user entry comes back, as no running job is above this one', () => {
      const [a, killed] = [set(file, OURS), set(file, OTHER)]
      rmSync(killed.folder, { recursive: true })
      writeFileSync(file, '{"auths": {}}')
      expect(restoreEntry(a)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('two credential-helper registrations: the user helper comes back', () => {
      writeFileSync(file, JSON.stringify({ credHelpers: { 'cgr.dev': 'cgr' } }))
      const first = set(file, 'setup-chainctl', runFolder(), 'credHelpers')
      const second = set(file, 'setup-chainctl', runFolder(), 'credHelpers')
      expect(restoreEntry(second)).toBe('restored')
      expect(restoreEntry(first)).toBe('restored')
      expect(read(file)).toEqual({ credHelpers: { 'cgr.dev': 'cgr' } })
    })
  })

  it("two jobs logging in to two registries in one file: each puts back the user's entry for its own", () => {
    const file = join(dir(), 'config.json')
    const theirs = { auth: Buffer.from('me:quay').toString('base64') }
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS, 'quay.io': theirs } }))
    const a = set(file, OURS)
    const b = setEntry(file, 'auths', 'quay.io', OTHER, runFolder())!
    const c = set(file, 'setup-chainctl', runFolder(), 'credHelpers')
    expect([restoreEntry(a), restoreEntry(c), restoreEntry(b)]).toEqual(['restored', 'removed', 'restored'])
    expect(read(file)).toEqual({ auths: { 'cgr.dev': USERS, 'quay.io': theirs } })
  })
})
