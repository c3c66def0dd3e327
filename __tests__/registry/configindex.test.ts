// The index beside a docker config file (which runs changed the entry, what was there before)
// removed, corrupted or naming folders that are no live run's: no ended run's login comes back.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { restoreEntry } from '../../src/registry/configentry.js'
import { configFiles, mode, OTHER, OURS, read, USERS } from '../../test/configfiles.ts'

const { dir, runFolder, set } = configFiles()
const entry = (file: string) => read(file).auths?.['cgr.dev']

describe('one config entry, set and undone', () => {
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

  it('with the index removed and the entry logged out since, there is nothing to undo', () => {
    const file = join(dir(), 'config.json')
    const undo = set(file, OURS)
    rmSync(`${file}.setup-chainctl.json`)
    writeFileSync(file, '{"auths": {}}')
    expect(restoreEntry(undo)).toBe('gone')
    expect(readFileSync(file, 'utf8')).toBe('{"auths": {}}')
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
})
