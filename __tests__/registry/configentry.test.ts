import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { restoreEntry, setEntry, type EntryUndo } from '../../src/registry/configentry.js'
import { DockerConfigError } from '../../src/registry/dockerconfig.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('configentry-')
const mode = (path: string) => statSync(path).mode & 0o777
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'))
const entry = (file: string) => read(file).auths?.['cgr.dev']
const OURS = { auth: Buffer.from('_token:ours').toString('base64') }
const OTHER = { auth: Buffer.from('_token:other-run').toString('base64') }
const USERS = { auth: Buffer.from('me:my-own').toString('base64') }
// As docker writes it: tab-indented, no trailing newline.
const USER = JSON.stringify(
  { auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' } }, psFormat: 'table {{.ID}}', detachKeys: 'ctrl-e,e', 'x-unknown': [1, { a: 2 }] },
  null,
  '\t',
)
/** A run's own folder, as privateDir makes it: the run is alive while it exists. */
const runFolder = () => mkdtempSync(join(dir(), 'setup-chainctl-'))
const set = (file: string, value: unknown, folder = runFolder(), section: 'auths' | 'credHelpers' = 'auths') =>
  ({ ...setEntry(file, section, 'cgr.dev', value, folder), folder }) as EntryUndo & { folder: string }

describe('one config entry, set and undone', () => {
  it('keeps every other key, and leaves the file byte-for-byte with its mode after the undo', () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, USER, { mode: 0o644 })
    const undo = set(file, OURS)
    expect(read(file)).toEqual({
      ...JSON.parse(USER),
      auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' }, 'cgr.dev': OURS }, // nothing in the file but the entry
    })
    expect(mode(file)).toBe(0o600) // while a credential of ours is in it
    expect(mode(`${file}.setup-chainctl.json`)).toBe(0o600) // the index beside it
    expect(JSON.stringify(undo)).not.toContain(OURS.auth) // the saved state holds no secret
    expect(restoreEntry(undo)).toBe('removed')
    expect(readFileSync(file, 'utf8')).toBe(USER)
    expect(mode(file)).toBe(0o644)
    expect(readdirSync(d)).toEqual(['config.json']) // no index, no lock left
  })

  it.each([
    ['on one line', JSON.stringify(JSON.parse(USER))],
    ['with CRLF line ends', USER.replace(/\n/g, '\r\n') + '\r\n'],
    ['spaced as a person wrote it', '{ "auths" : { "ghcr.io" : { "auth" : "dXNlcjpwYXNz" } },\n  "psFormat": "table {{.ID}}"  }\n\n'],
    ['empty', ''],
    ['with an empty auths section, spaced', '{ "auths": { } }\n'],
  ])('gives back a file written %s byte for byte', (_how, text) => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, text, { mode: 0o640 })
    const undo = set(file, OURS)
    expect(restoreEntry(undo)).toBe('removed')
    expect(readFileSync(file, 'utf8')).toBe(text)
    expect(mode(file)).toBe(0o640)
  })

  it('sets an entry for good, unmarked, without a folder to keep the undo in', () => {
    const file = join(dir(), 'config.json')
    expect(setEntry(file, 'auths', 'cgr.dev', OURS)).toBeUndefined()
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ auths: { 'cgr.dev': OURS } }, null, '\t')) // a new file as docker writes one
  })

  it("puts back the user's own entry, in place", () => {
    const d = dir()
    const file = join(d, 'config.json')
    const original = JSON.stringify({ credHelpers: { 'cgr.dev': 'cgr', 'gcr.io': 'gcloud' } }, null, '\t')
    writeFileSync(file, original)
    const undo = set(file, 'setup-chainctl', runFolder(), 'credHelpers')
    expect(read(file).credHelpers).toEqual({ 'cgr.dev': 'setup-chainctl', 'gcr.io': 'gcloud' })
    expect(restoreEntry(undo)).toBe('restored')
    expect(readFileSync(file, 'utf8')).toBe(original)
  })

  it("leaves a later login alone, and puts back the user's entry after a step logged out", () => {
    const d = dir()
    const file = join(d, 'config.json')
    let undo = set(file, OURS)
    setEntry(file, 'auths', 'cgr.dev', USERS) // a later step's own login
    expect(restoreEntry(undo)).toBe('replaced')
    expect(read(file).auths['cgr.dev']).toEqual(USERS)

    undo = set(file, OURS)
    writeFileSync(file, '{"auths":{}}') // a step logged out
    expect(restoreEntry(undo)).toBe('restored')
    expect(read(file).auths['cgr.dev']).toEqual(USERS)
    expect(restoreEntry(set(join(d, 'other.json'), OURS))).toBe('removed')
    rmSync(join(d, 'config.json'))
    expect(restoreEntry(set(join(d, 'config.json'), OURS))).toBe('removed')
    const gone = set(file, OURS)
    writeFileSync(file, '{}')
    expect(restoreEntry(gone)).toBe('gone')
  })

  it('recognizes its entry after a rewrite that reordered its fields', () => {
    const file = join(dir(), 'config.json')
    const undo = set(file, { auth: 'YTpi', identitytoken: 't' })
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': { identitytoken: 't', auth: 'YTpi' } } })) // as docker rewrites it
    expect(restoreEntry(undo)).toBe('removed')
  })

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

    it('two credential-helper registrations: the user helper comes back', () => {
      writeFileSync(file, JSON.stringify({ credHelpers: { 'cgr.dev': 'cgr' } }))
      const first = set(file, 'setup-chainctl', runFolder(), 'credHelpers')
      const second = set(file, 'setup-chainctl', runFolder(), 'credHelpers')
      expect(restoreEntry(second)).toBe('restored')
      expect(restoreEntry(first)).toBe('restored')
      expect(read(file)).toEqual({ credHelpers: { 'cgr.dev': 'cgr' } })
    })
  })

  it('gives the file back its mode when the last run ends after a step made docker rewrite it (review)', () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, USER, { mode: 0o644 })
    const undo = set(file, OURS)
    // docker logout ghcr.io: docker rewrites the file whole, keeping its mode (0600 while ours is in it)
    writeFileSync(file, JSON.stringify({ ...read(file), auths: { 'cgr.dev': OURS } }, null, '\t'))
    expect(restoreEntry(undo)).toBe('removed')
    expect(read(file).auths).toEqual({})
    expect(mode(file)).toBe(0o644)
  })

  it.each([
    ['removed', (index: string) => rmSync(index)],
    ['corrupted', (index: string) => writeFileSync(index, '{"file": tru')],
  ])("the index %s while two jobs run: the ended job's credential never comes back (review)", (_how, spoil) => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }))
    const a = set(file, OURS)
    spoil(`${file}.setup-chainctl.json`)
    const b = set(file, OTHER)
    expect(restoreEntry(a)).toBe('replaced')
    rmSync(a.folder, { recursive: true })
    restoreEntry(b)
    expect(readFileSync(file, 'utf8')).not.toContain(OURS.auth)
  })

  it('says when the entry from before is lost (the index removed), and removes its own all the same', () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }))
    const undo = set(file, OURS)
    rmSync(`${file}.setup-chainctl.json`)
    expect(restoreEntry(undo)).toBe('lost')
    expect(read(file)).toEqual({ auths: {} })
    expect(mode(file)).toBe(0o600) // the mode it had before is on record no more: the safe one stays
  })

  it('with the index removed and no entry before, removes its own and says no more', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{"auths": {}}')
    const undo = set(file, OURS)
    rmSync(`${file}.setup-chainctl.json`)
    expect(restoreEntry(undo)).toBe('removed')
    expect(read(file)).toEqual({ auths: {} })
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

  it('removes the file and the folders it created when nothing else is in them', () => {
    const home = dir()
    const undo = set(join(home, '.docker', 'config.json'), OURS)
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
    const undo = set(join(d, '.docker', 'config.json'), OURS)
    expect(undo.file).toBe(join(d, 'dotfiles', 'docker.json'))
    expect(lstatSync(join(d, '.docker', 'config.json')).isSymbolicLink()).toBe(true)
    expect(Object.keys(read(join(d, 'dotfiles', 'docker.json')).auths)).toEqual(['ghcr.io', 'cgr.dev'])
    expect(readdirSync(join(d, 'dotfiles'))).toEqual(['docker.json', 'docker.json.setup-chainctl.json']) // the index beside the real file
    restoreEntry(undo)
    expect(lstatSync(join(d, '.docker', 'config.json')).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(d, 'dotfiles', 'docker.json'), 'utf8')).toBe(USER)
  })

  it('with no file before, keeps the file when a step logged in elsewhere meanwhile, taking out only its own', () => {
    const home = dir()
    const file = join(home, '.docker', 'config.json')
    const undo = set(file, OURS)
    setEntry(file, 'auths', 'ghcr.io', USERS) // a later step's docker login ghcr.io
    expect(restoreEntry(undo)).toBe('removed')
    expect(read(file)).toEqual({ auths: { 'ghcr.io': USERS } })
    expect(readdirSync(join(home, '.docker'))).toEqual(['config.json'])
  })

  it('keeps a section it added when a step logged in to another registry there meanwhile', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{"psFormat": "table"}')
    const undo = set(file, OURS)
    setEntry(file, 'auths', 'ghcr.io', USERS)
    expect(restoreEntry(undo)).toBe('removed')
    expect(read(file)).toEqual({ psFormat: 'table', auths: { 'ghcr.io': USERS } })
  })

  it('a step removed the config: nothing to undo, nothing of this run left beside it', () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, '{}')
    const undo = set(file, OURS)
    rmSync(file)
    expect(restoreEntry(undo)).toBe('gone')
    expect(readdirSync(d).filter((f) => f.startsWith('config.json'))).toEqual([])
  })

  it.each([
    ['the runner temp folder itself', () => dir()],
    ['a folder named like a run folder but not one', () => mkdtempSync(join(dir(), 'setup-chainctl-x'))],
    ['a folder whose name only ends like a run folder', () => mkdtempSync(join(dir(), 'old-setup-chainctl-'))],
    ['a folder inside a run folder', () => mkdtempSync(join(runFolder(), 'sub'))],
  ])("an index naming %s as a run's never keeps that login alive", (_what, folder) => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }))
    const stale = set(file, OTHER)
    const index = `${file}.setup-chainctl.json`
    writeFileSync(index, readFileSync(index, 'utf8').replace(JSON.stringify(stale.folder), JSON.stringify(folder())))
    const undo = set(file, OURS)
    expect(restoreEntry(undo)).toBe('restored')
    expect(entry(file)).toEqual(USERS) // not the other login, whose run is not alive
  })

  it.each([
    ['no list of keys', (i: Record<string, unknown>) => ({ ...i, keys: 5 })],
    ['a null list of keys', (i: Record<string, unknown>) => ({ ...i, keys: null })],
    ['no file as found', (i: Record<string, unknown>) => ({ ...i, found: null })],
    ['another file', (i: Record<string, unknown>) => ({ ...i, file: join(tmpdir(), 'elsewhere.json') })],
  ])('an index with %s is started again, and the user entry still comes back', (_what, spoil) => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } }))
    const index = `${file}.setup-chainctl.json`
    const first = set(file, OTHER)
    rmSync(first.folder, { recursive: true }) // the run was killed
    writeFileSync(index, JSON.stringify(spoil(JSON.parse(readFileSync(index, 'utf8')))))
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': USERS } })) // the user logged in again
    const undo = set(file, OURS)
    expect(restoreEntry(undo)).toBe('restored')
    expect(entry(file)).toEqual(USERS)
    expect(readdirSync(join(file, '..')).filter((f) => f.startsWith('config.json'))).toEqual(['config.json'])
  })

  it.each([
    ['a string', '"cgr.dev"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('refuses a config whose auths is %s, rewriting nothing', (_what, auths) => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, `{"auths": ${auths}}`)
    expect(() => set(file, OURS)).toThrow(new DockerConfigError(`${file}: "auths" is not a JSON object`))
    expect(readFileSync(file, 'utf8')).toBe(`{"auths": ${auths}}`)
    expect(readdirSync(d).filter((f) => f.startsWith('config.json'))).toEqual(['config.json'])
  })

  it('refuses to rewrite a config it cannot read, leaving it as it was', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{ not json')
    expect(() => set(file, OURS)).toThrow(DockerConfigError)
    expect(readFileSync(file, 'utf8')).toBe('{ not json')
    writeFileSync(file, '{"auths": []}')
    expect(() => set(file, OURS)).toThrow(new DockerConfigError(`${file}: "auths" is not a JSON object`))
  })
})

describe("a config docker wrote with Go's escapes", () => {
  it('keeps \\u003c, \\u003e and \\u0026 while the login is in it, and after', () => {
    const file = join(dir(), 'config.json')
    const text = '{\n\t"psFormat": "table {{.ID}}\\u003c\\u003e\\u0026"\n}'
    writeFileSync(file, text)
    const undo = set(file, OURS)
    expect(readFileSync(file, 'utf8')).toContain('"psFormat": "table {{.ID}}\\u003c\\u003e\\u0026"')
    expect(read(file).psFormat).toBe('table {{.ID}}<>&')
    restoreEntry(undo)
    expect(readFileSync(file, 'utf8')).toBe(text)
  })
})
