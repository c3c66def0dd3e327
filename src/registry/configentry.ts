// One entry of a docker config (or podman auth file), set by the main step and undone by the post
// step in exactly the file it was set in: every other key stays as it was, the entry that was
// there before comes back, and a login made since is left alone.
//
// Several jobs may use one file. Who set what is kept in an index beside the file (never in the
// file: docker drops fields it does not know whenever it rewrites it), edited under the file's
// lock and keyed by the file's real path (a copy of the folder, index and all, is not the file).
// Nothing read from the config or the index is ever used as a path to write or read.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { withLock } from '../util/lock.js'
import { loadConfig, parseConfig, realFile, saveConfig, section, writeSecretFile, type DockerConfig, type Section } from './dockerconfig.js'

/** A run of this action that set an entry and has yet to undo it. */
interface Run {
  id: string
  /** The run's own folder: the run is alive while it exists (only checked for existence). */
  folder: string
  /** Fingerprint of the entry it set. */
  wrote: string
  /** That entry, to put back when a run that set its entry over this one ends first. */
  entry: unknown
}

interface KeyRecord {
  /** The entry there before any run still on record set its own: null for none. */
  original: { value: unknown } | null
  /** Oldest first. */
  runs: Run[]
  /** Fingerprints of runs that ended after the index lost their record: their entry never comes back. */
  ended?: string[]
}

interface Index {
  /** The real path of the file this index is about. */
  file: string
  /** The file when the first run on record found it: put back byte for byte when nothing else changed. */
  found: { text: string | null; mode?: number; madeDir?: string }
  keys: Record<string, KeyRecord>
}

/** What it takes to undo one setEntry: saved by the main step for the post step (no secret in it). */
export interface EntryUndo {
  /** The real file written (symbolic links followed). */
  file: string
  section: Section
  key: string
  /** This run's record in the index. */
  id: string
  /** Fingerprint of the entry written. */
  wrote: string
  /** There was an entry before. */
  hadEntry: boolean
}

/** The entry's credential, whatever order a rewrite put its fields in. */
export function fingerprint(entry: unknown): string {
  const plain = typeof entry === 'object' && entry !== null ? Object.entries(entry).sort() : entry
  return createHash('sha256').update(JSON.stringify(plain)).digest('hex')
}

const indexPath = (file: string) => `${file}.setup-chainctl.json`
const recordKey = (name: Section, key: string) => `${name}/${key}`
// Only a folder of the kind privateDir makes counts; a run whose folder is gone ended (or was killed).
const alive = (r: Run) => /[\\/]setup-chainctl-[A-Za-z0-9]{6}$/.test(r.folder) && existsSync(r.folder)

/** The index of `file`; a fresh one when there is none, or it is about another file (a copy). */
function readIndex(file: string, found: Index['found']): Index {
  try {
    const index = JSON.parse(readFileSync(indexPath(file), 'utf8')) as Index
    if (index.file === file && typeof index.keys === 'object' && typeof index.found === 'object' && index.found && index.keys) return index
  } catch {
    // none, or unreadable: start again
  }
  return { file, found, keys: {} }
}

function writeIndex(index: Index): void {
  if (Object.keys(index.keys).length === 0) rmSync(indexPath(index.file), { force: true })
  else writeSecretFile(indexPath(index.file), JSON.stringify(index))
}

/**
 * Sets `file`'s `section[key]` to `value`, keeping everything else, and returns how to undo it.
 * With `runDir` (this run's own folder) the run is put on record; without, the entry is set for good.
 */
export function setEntry(file: string, name: Section, key: string, value: unknown, runDir?: string): EntryUndo | undefined {
  const real = realFile(file)
  const madeDir = mkdirSync(dirname(real), { recursive: true, mode: 0o700 })
  return withLock(real, () => {
    const loaded = loadConfig(real)
    const entries = section(loaded.config, name, real)
    let undo: EntryUndo | undefined
    if (runDir) {
      const mode = existsSync(real) ? statSync(real).mode & 0o777 : undefined
      const index = readIndex(real, { text: loaded.text, mode, madeDir })
      index.found.madeDir ??= madeDir
      const rec = index.keys[recordKey(name, key)] ?? { original: null, runs: [] }
      const current = entries?.[key]
      // An entry no run on record set (dead ones included) is the user's: it is what comes back.
      if (!rec.runs.some((r) => r.wrote === fingerprint(current))) rec.original = current === undefined ? null : { value: current }
      const run: Run = { id: randomBytes(8).toString('hex'), folder: runDir, wrote: fingerprint(value), entry: value }
      rec.runs = [...rec.runs.filter(alive), run]
      index.keys[recordKey(name, key)] = rec
      writeIndex(index)
      undo = { file: real, section: name, key, id: run.id, wrote: run.wrote, hadEntry: current !== undefined }
    }
    loaded.config[name] = { ...entries, [key]: value }
    saveConfig(real, loaded, 0o600)
    return undo
  })
}

/**
 * 'removed' / 'restored': the entry set is gone, or the one before it is back (the user's, or a
 * run's still going). 'replaced': a login made since holds the entry and is left alone. 'gone': it
 * was already gone. 'lost': removed, but the entry from before is not on record.
 */
export type Restored = 'removed' | 'restored' | 'replaced' | 'gone' | 'lost'

/** Undoes a setEntry unless a login made since holds the entry; the last run on record puts the file back as found. */
export function restoreEntry(u: EntryUndo): Restored {
  if (!existsSync(u.file) && !existsSync(indexPath(u.file))) return 'gone'
  let madeDir: string | undefined
  const outcome = withLock(u.file, () => {
    const index = readIndex(u.file, { text: null })
    const rec = index.keys[recordKey(u.section, u.key)]
    const me = rec?.runs.find((r) => r.id === u.id)
    if (!rec || !me) return offRecord(u, index)
    const dead = rec.runs.filter((r) => r !== me && !alive(r))
    const others = rec.runs.filter((r) => r !== me && alive(r))
    const top = rec.runs.filter((r) => r === me || alive(r)).at(-1) === me
    rec.runs = others
    if (others.length === 0) delete index.keys[recordKey(u.section, u.key)]
    const last = Object.keys(index.keys).length === 0
    if (last) madeDir = index.found.madeDir
    const loaded = loadConfig(u.file)
    const entries = section(loaded.config, u.section, u.file) ?? {}
    const current = entries[u.key]
    writeIndex(index)
    // A running job's login, or one made since by something else: left alone. This run's entry, or
    // one a killed run left, makes way for the latest running job's, else for what was there before.
    const held = current !== undefined && fingerprint(current)
    if (held && !top && others.some((r) => r.wrote === held)) return 'replaced'
    if (held && ![me, ...dead].some((r) => r.wrote === held)) return 'replaced'
    if (!held && !top) return 'gone' // a step logged out: the job still running decides
    const below = others.at(-1)
    const original = rec.original && !rec.ended?.includes(fingerprint(rec.original.value)) ? rec.original : null
    const back = below ? { value: below.entry } : original
    if (!held && !back) return 'gone'
    if (back) entries[u.key] = back.value
    else delete entries[u.key]
    loaded.config[u.section] = entries
    save(u.file, loaded, last ? index.found : undefined)
    return back ? 'restored' : 'removed'
  })
  if (madeDir && !existsSync(u.file)) removeEmptyFolders(dirname(u.file), madeDir)
  return outcome
}

/**
 * No record of this run (the index was removed or spoilt): its own credential still never stays.
 * A run on record since may have taken this run's entry for the one from before: it is told that
 * this entry's run ended, so that it never puts it back.
 */
function offRecord(u: EntryUndo, index: Index): Restored {
  const loaded = loadConfig(u.file)
  const entries = section(loaded.config, u.section, u.file)
  const current = entries?.[u.key]
  const rec = index.keys[recordKey(u.section, u.key)]
  if (rec) {
    rec.ended = [...(rec.ended ?? []), u.wrote]
    writeIndex(index)
  }
  if (current === undefined) return 'gone'
  if (fingerprint(current) !== u.wrote) return 'replaced'
  delete entries![u.key]
  saveConfig(u.file, loaded, statSync(u.file).mode & 0o777)
  return u.hadEntry ? 'lost' : 'removed'
}

/** Writes the config back: as found, byte for byte, when the last run leaves it as it was. */
function save(file: string, loaded: ReturnType<typeof loadConfig>, found: Index['found'] | undefined): void {
  // The last run gives back the mode the file had before the first made it 0600.
  const mode = found?.mode ?? (existsSync(file) ? statSync(file).mode & 0o777 : 0o600)
  if (found && asFound(loaded.config, found.text, file)) {
    if (found.text === null) rmSync(file, { force: true })
    else writeSecretFile(file, found.text, found.mode ?? mode)
  } else saveConfig(file, loaded, mode)
}

/** Whether `config` is what the file held when found (empty sections it did not have aside). */
function asFound(config: DockerConfig, text: string | null, file: string): boolean {
  const found = text === null ? {} : parseConfig(text, file)
  const now = { ...config }
  for (const name of ['auths', 'credHelpers']) if (found[name] === undefined && isDeepStrictEqual(now[name], {})) delete now[name]
  return isDeepStrictEqual(now, found)
}

/** Removes `dir` and its parents up to `top`, while they are empty. */
function removeEmptyFolders(dir: string, top: string): void {
  try {
    rmdirSync(dir) // fails unless empty
  } catch {
    return
  }
  if (dir !== top && dir.length > top.length && basename(dir)) removeEmptyFolders(dirname(dir), top)
}
