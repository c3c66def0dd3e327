import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { restoreEntry, setEntry, type EntryUndo } from '../../src/registry/configentry.js'
import { DockerConfigError } from '../../src/registry/dockerconfig.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('configentry-')
const mode = (path: string) => statSync(path).mode & 0o777
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'))
const OURS = { auth: Buffer.from('_token:ours').toString('base64') }
const OTHER = { auth: Buffer.from('_token:other-run').toString('base64') }
const USERS = { auth: Buffer.from('me:my-own').toString('base64') }
// As docker writes it: tab-indented, no trailing newline.
const USER = JSON.stringify(
  { auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' } }, psFormat: 'table {{.ID}}', detachKeys: 'ctrl-e,e', 'x-unknown': [1, { a: 2 }] },
  null,
  '\t',
)
const set = (file: string, value: unknown, keep: string, section: 'auths' | 'credHelpers' = 'auths') =>
  setEntry(file, section, 'cgr.dev', value, keep) as EntryUndo

describe('one config entry, set and undone', () => {
  it('keeps every other key, and leaves the file byte-for-byte with its mode after the undo', () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, USER, { mode: 0o644 })
    const undo = set(file, OURS, join(d, 'keep'))
    expect(read(file)).toEqual({
      ...JSON.parse(USER),
      auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' }, 'cgr.dev': { ...OURS, 'setup-chainctl': undo.kept } },
    })
    expect(mode(file)).toBe(0o600) // while a credential of ours is in it
    expect(mode(undo.kept)).toBe(0o600)
    expect(JSON.stringify(undo)).not.toContain(OURS.auth) // the saved state holds no secret
    expect(restoreEntry(undo)).toBe('removed')
    expect(readFileSync(file, 'utf8')).toBe(USER)
    expect(mode(file)).toBe(0o644)
    expect(existsSync(undo.kept)).toBe(false)
    expect(readdirSync(d).sort()).toEqual(['config.json', 'keep'])
  })

  it.each([
    ['on one line', JSON.stringify(JSON.parse(USER))],
    ['with CRLF line ends', USER.replace(/\n/g, '\r\n') + '\r\n'],
    ['spaced as a person wrote it', '{ "auths" : { "ghcr.io" : { "auth" : "dXNlcjpwYXNz" } },\n  "psFormat": "table {{.ID}}"  }\n\n'],
    ['empty', ''],
  ])('gives back a file written %s byte for byte', (_how, text) => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, text, { mode: 0o640 })
    const undo = set(file, OURS, join(d, 'keep'))
    expect(restoreEntry(undo)).toBe('removed')
    expect(readFileSync(file, 'utf8')).toBe(text)
    expect(mode(file)).toBe(0o640)
  })

  it('sets an entry for good, unmarked, without a folder to keep the undo in', () => {
    const file = join(dir(), 'config.json')
    expect(setEntry(file, 'auths', 'cgr.dev', OURS)).toBeUndefined()
    expect(read(file)).toEqual({ auths: { 'cgr.dev': OURS } })
  })

  it("puts back the user's own entry, in place", () => {
    const d = dir()
    const file = join(d, 'config.json')
    const original = JSON.stringify({ credHelpers: { 'cgr.dev': 'cgr', 'gcr.io': 'gcloud' } }, null, '\t')
    writeFileSync(file, original)
    const undo = set(file, 'setup-chainctl', d, 'credHelpers')
    expect(read(file).credHelpers).toEqual({ 'cgr.dev': 'setup-chainctl', 'gcr.io': 'gcloud' })
    expect(restoreEntry(undo)).toBe('restored')
    expect(readFileSync(file, 'utf8')).toBe(original)
  })

  it("leaves a later login alone, and puts back the user's entry after a step logged out", () => {
    const d = dir()
    const file = join(d, 'config.json')
    let undo = set(file, OURS, d)
    setEntry(file, 'auths', 'cgr.dev', USERS) // a later step's own login
    expect(restoreEntry(undo)).toBe('replaced')
    expect(read(file).auths['cgr.dev']).toEqual(USERS)

    undo = set(file, OURS, d)
    writeFileSync(file, '{"auths":{}}') // a step logged out
    expect(restoreEntry(undo)).toBe('restored')
    expect(read(file).auths['cgr.dev']).toEqual(USERS)
    expect(restoreEntry(set(join(d, 'other.json'), OURS, d))).toBe('removed')
    rmSync(join(d, 'config.json'))
    expect(restoreEntry(set(join(d, 'config.json'), OURS, d))).toBe('removed')
    const gone = set(file, OURS, d)
    writeFileSync(file, '{}')
    expect(restoreEntry(gone)).toBe('gone')
  })

  it('recognizes its entry after a rewrite that dropped the mark or reordered fields', () => {
    const file = join(dir(), 'config.json')
    const undo = set(file, { auth: 'YTpi', identitytoken: 't' }, dir())
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': { identitytoken: 't', auth: 'YTpi' } } })) // as docker rewrites it
    expect(restoreEntry(undo)).toBe('removed')
  })

  describe('two runs on one file', () => {
    let file: string
    let keep: string
    const entry = () => read(file).auths?.['cgr.dev']
    beforeEach(() => {
      keep = dir()
      file = join(dir(), 'config.json')
      writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }))
    })

    it('two uses in one job (the later post step first): the first login, then the user entry, come back', () => {
      const first = set(file, OURS, keep)
      const second = set(file, OTHER, keep)
      expect(restoreEntry(second)).toBe('restored')
      expect(entry()).toMatchObject(OURS)
      expect(restoreEntry(first)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('two jobs, the first ends first: it leaves the second one its login, which then puts back the user entry', () => {
      const first = set(file, OURS, keep)
      const second = set(file, OTHER, keep)
      expect(restoreEntry(first)).toBe('replaced')
      expect(entry()).toMatchObject(OTHER)
      expect(restoreEntry(second)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('two jobs with the same credential (one identity, one second): each knows its own entry', () => {
      writeFileSync(file, '{}')
      const first = set(file, OURS, keep)
      const second = set(file, { ...OURS }, keep)
      expect(restoreEntry(first)).toBe('replaced')
      expect(entry()).toMatchObject(OURS) // the second job's login stays
      expect(restoreEntry(second)).toBe('removed')
    })

    it('three jobs, the middle one ends first: the first keeps its login until the last has ended', () => {
      const THIRD = { auth: Buffer.from('_token:third-run').toString('base64') }
      const [a, b, c] = [set(file, OURS, keep), set(file, OTHER, keep), set(file, THIRD, keep)]
      expect(restoreEntry(b)).toBe('replaced')
      expect(restoreEntry(c)).toBe('restored')
      expect(entry()).toMatchObject(OURS) // A is still running
      expect(restoreEntry(a)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it('two jobs with one pull token, after a rewrite dropped the marks: the first to end leaves the other its login', () => {
      const [a, b] = [set(file, OURS, keep), set(file, { ...OURS }, keep)]
      writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': OURS } })) // docker rewrote the file
      expect(restoreEntry(a)).toBe('replaced')
      expect(entry()).toEqual(OURS)
      expect(restoreEntry(b)).toBe('restored')
      expect(entry()).toEqual(USERS)
    })

    it("with nothing there before, no ended run's login comes back", () => {
      writeFileSync(file, '{}')
      const first = set(file, OURS, keep)
      const second = set(file, OTHER, keep)
      expect(restoreEntry(first)).toBe('replaced')
      expect(restoreEntry(second)).toBe('removed')
      expect(readFileSync(file, 'utf8')).toBe('{}')
    })

    it('with no file before them, the last to end removes the file and the folders the first made', () => {
      const home = dir()
      const file = join(home, '.docker', 'config.json')
      const first = set(file, OURS, keep)
      const second = set(file, OTHER, keep)
      expect(restoreEntry(first)).toBe('replaced')
      expect(restoreEntry(second)).toBe('removed')
      expect(readdirSync(home)).toEqual([])
    })

    it('the last to end leaves what a step changed meanwhile', () => {
      const first = set(file, OURS, keep)
      const second = set(file, OTHER, keep)
      setEntry(file, 'auths', 'ghcr.io', USERS) // a step's own login elsewhere
      expect(restoreEntry(first)).toBe('replaced')
      expect(restoreEntry(second)).toBe('restored')
      expect(read(file)).toEqual({ auths: { 'cgr.dev': USERS, 'ghcr.io': USERS } })
    })

    it('a run whose undo never ran (its temp folder gone): its login does not come back, and what was before it is unknown', () => {
      const first = set(file, OURS, keep)
      rmSync(first.kept)
      const second = set(file, OTHER, keep)
      expect(restoreEntry(second)).toBe('removed')
      expect(entry()).toBeUndefined()
    })

    it('two credential-helper registrations: the user helper comes back', () => {
      writeFileSync(file, JSON.stringify({ credHelpers: { 'cgr.dev': 'cgr' } }))
      const first = set(file, 'setup-chainctl', keep, 'credHelpers')
      const second = set(file, 'setup-chainctl', keep, 'credHelpers')
      expect(restoreEntry(second)).toBe('restored')
      expect(restoreEntry(first)).toBe('restored')
      expect(read(file)).toEqual({ credHelpers: { 'cgr.dev': 'cgr' } })
    })
  })

  it('says when the kept entry from before is lost, and removes its own all the same', () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }))
    const undo = set(file, OURS, d)
    rmSync(undo.kept)
    expect(restoreEntry(undo)).toBe('lost')
    expect(read(file)).toEqual({ auths: {} })
  })

  it('removes the file and the folders it created when nothing else is in them', () => {
    const home = dir()
    const undo = set(join(home, '.docker', 'config.json'), OURS, dir())
    expect(undo.madeDir).toBe(join(home, '.docker'))
    expect(mode(join(home, '.docker'))).toBe(0o700)
    expect(restoreEntry(undo)).toBe('removed')
    expect(readdirSync(home)).toEqual([])
  })

  it('writes through a symbolic link to its target and undoes there, the link kept', () => {
    const d = dir()
    mkdirSync(join(d, 'dotfiles'))
    mkdirSync(join(d, '.docker'))
    writeFileSync(join(d, 'dotfiles', 'docker.json'), USER)
    symlinkSync('../dotfiles/docker.json', join(d, '.docker', 'config.json'))
    const undo = set(join(d, '.docker', 'config.json'), OURS, d)
    expect(undo.file).toBe(join(d, 'dotfiles', 'docker.json'))
    expect(lstatSync(join(d, '.docker', 'config.json')).isSymbolicLink()).toBe(true)
    expect(Object.keys(read(join(d, 'dotfiles', 'docker.json')).auths)).toEqual(['ghcr.io', 'cgr.dev'])
    expect(readdirSync(join(d, 'dotfiles'))).toEqual(['docker.json'])
    restoreEntry(undo)
    expect(lstatSync(join(d, '.docker', 'config.json')).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(d, 'dotfiles', 'docker.json'), 'utf8')).toBe(USER)
  })

  it('refuses to rewrite a config it cannot read, leaving it as it was', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{ not json')
    expect(() => set(file, OURS, dir())).toThrow(DockerConfigError)
    expect(readFileSync(file, 'utf8')).toBe('{ not json')
    writeFileSync(file, '{"auths": []}')
    expect(() => set(file, OURS, dir())).toThrow(new DockerConfigError(`${file}: "auths" is not a JSON object`))
  })
})
