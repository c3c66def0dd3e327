// One run's config entry, set and undone: every other byte of the file kept, the user's own entry
// and the file's mode given back, the folders it made removed; a config it cannot read refused.
// (Two runs on one file: configruns.test.ts; the index beside the file: configindex.test.ts.)
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { restoreEntry, setEntry } from '../../src/registry/configentry.js'
import { DockerConfigError } from '../../src/registry/dockerconfig.js'
import { configFiles, mode, OURS, read, USER, USERS } from '../../test/configfiles.ts'

const { dir, runFolder, set } = configFiles()

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

  it('removes the file and the folders it created when nothing else is in them', () => {
    const home = dir()
    const undo = set(join(home, '.docker', 'config.json'), OURS)
    expect(mode(join(home, '.docker'))).toBe(0o700)
    expect(restoreEntry(undo)).toBe('removed')
    expect(readdirSync(home)).toEqual([])
    const nested = set(join(home, 'a', 'b', 'config.json'), OURS) // DOCKER_CONFIG two folders down
    expect(restoreEntry(nested)).toBe('removed')
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

  it('a step removed the config folder: nothing to undo, and no folder made again', () => {
    const home = dir()
    const undo = set(join(home, '.docker', 'config.json'), OURS)
    rmSync(join(home, '.docker'), { recursive: true })
    expect(restoreEntry(undo)).toBe('gone')
    expect(readdirSync(home)).toEqual([])
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
