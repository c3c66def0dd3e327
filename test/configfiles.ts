// Docker config files in scratch folders for the config entry tests (__tests__/registry/config*.test.ts):
// the credentials three runs and a user write, and a run's own folder, alive while it exists.
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setEntry, type EntryUndo } from '../src/registry/configentry.js'
import { tempDirs } from './tempdirs.ts'

export const mode = (path: string) => statSync(path).mode & 0o777
export const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'))
export const OURS = { auth: Buffer.from('_token:ours').toString('base64') }
export const OTHER = { auth: Buffer.from('_token:other-run').toString('base64') }
export const USERS = { auth: Buffer.from('me:my-own').toString('base64') }
// As docker writes it: tab-indented, no trailing newline.
export const USER = JSON.stringify(
  { auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' } }, psFormat: 'table {{.ID}}', detachKeys: 'ctrl-e,e', 'x-unknown': [1, { a: 2 }] },
  null,
  '\t',
)

/** Scratch folders for this test file (removed after it), run folders in them, and `set`: our entry for cgr.dev with its undo. */
export function configFiles() {
  const dir = tempDirs('configentry-')
  /** A run's own folder, as privateDir makes it: the run is alive while it exists. */
  const runFolder = () => mkdtempSync(join(dir(), 'setup-chainctl-'))
  const set = (file: string, value: unknown, folder = runFolder(), section: 'auths' | 'credHelpers' = 'auths') =>
    ({ ...setEntry(file, section, 'cgr.dev', value, folder), folder }) as EntryUndo & { folder: string }
  return { dir, runFolder, set }
}
