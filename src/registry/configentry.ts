// One entry of a docker config (or podman auth file), set by the main step and undone by the post
// step in exactly the file it was set in: every other key stays as it was, the entry that was
// there before comes back, and a login made since is left alone.
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import {
  loadConfig,
  parseConfig,
  realFile,
  saveConfig,
  section,
  withLock,
  writeSecretFile,
  type DockerConfig,
  type Section,
} from './dockerconfig.js'

/**
 * Marks an `auths` entry as set by a run of this action that will undo it. Its value is that run's
 * kept file, which exists until the run has undone the entry: so another run knows whether
 * putting that entry back serves a job still running, or would leave an ended job's credential
 * behind. Docker, podman and the tools reading their files ignore fields they do not know (and
 * drop them when they rewrite the file: the runs on one entry also link their kept files).
 */
const MARK = 'setup-chainctl'

/** What a run keeps (0600, in its own folder) to undo its entry. */
interface Kept {
  /** The entry there before, possibly another run's. */
  previous?: unknown
  /** The entry there before any run of this action that has not yet undone its own. */
  original?: unknown
  /** The file then: the last run to undo its entry puts it back byte for byte when nothing else changed. */
  found?: Found
  /** The kept file of the run that set its entry over this one, while that run has yet to undo it. */
  next?: string
}

interface Found {
  /** null: there was no file. */
  text: string | null
  mode?: number
  /** The first folder a run made for it. */
  madeDir?: string
}

/** What it takes to undo one setEntry: saved by the main step for the post step (no secret in it). */
export interface EntryUndo {
  /** The real file written (symbolic links followed). */
  file: string
  section: Section
  key: string
  /** Fingerprint of the entry written, to know it when a rewrite dropped its mark. */
  wrote: string
  /** The 0600 file holding the entries there before (Kept). */
  kept: string
  /** There was an entry before. */
  hadEntry: boolean
  /** The file's mode before; unset when the action created the file. */
  mode?: number
  /** The section did not exist before. */
  sectionAdded: boolean
  /** The first folder the action created for the file. */
  madeDir?: string
}

/** The entry's credential, whatever else a rewrite (docker drops unknown fields) dropped or reordered. */
function fingerprint(entry: unknown): string {
  const plain =
    typeof entry === 'object' && entry !== null
      ? Object.entries(entry)
          .filter(([k]) => k !== MARK)
          .sort()
      : entry
  return createHash('sha256').update(JSON.stringify(plain)).digest('hex')
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** The kept file of the run that set `entry`, if a run of this action did. */
const keptBy = (entry: unknown) =>
  typeof entry === 'object' && entry !== null && typeof (entry as Record<string, unknown>)[MARK] === 'string'
    ? ((entry as Record<string, unknown>)[MARK] as string)
    : undefined

/** Whether the run keeping `kept` has yet to undo its entry. */
const alive = (kept: string | undefined): kept is string => kept !== undefined && existsSync(kept)

/**
 * Changes the kept file of another run that has yet to undo its entry (under the config's lock).
 * Its folder is never made again: a run that ended meanwhile has nothing to be told.
 */
function amend(kept: string | undefined, change: Partial<Kept>): void {
  const was = alive(kept) ? (readJson(kept) as Kept | undefined) : undefined
  if (!kept || !was) return
  const temp = `${kept}.${process.pid}.tmp`
  try {
    writeFileSync(temp, JSON.stringify({ ...was, ...change }), { mode: 0o600 })
    renameSync(temp, kept)
  } catch {
    rmSync(temp, { force: true })
  }
}

/**
 * Sets `file`'s `section[key]` to `value`, keeping everything else, and returns how to undo it.
 * What the undo needs is kept in `keepDir`; without one the entry is set for good.
 */
export function setEntry(file: string, name: Section, key: string, value: unknown, keepDir?: string): EntryUndo | undefined {
  const real = realFile(file)
  const madeDir = mkdirSync(dirname(real), { recursive: true, mode: 0o700 })
  return withLock(real, () => {
    const loaded = loadConfig(real)
    const entries = section(loaded.config, name, real)
    const mode = existsSync(real) ? statSync(real).mode & 0o777 : undefined
    let written = value
    let undo: EntryUndo | undefined
    if (keepDir) {
      const previous = entries?.[key]
      const other = keptBy(previous)
      const before = other ? (readJson(other) as Kept | undefined) : undefined
      const original = other ? before?.original : previous
      const found = other ? before?.found : { text: loaded.text, mode, madeDir }
      const kept = join(keepDir, `entry-${randomBytes(6).toString('hex')}.json`)
      writeSecretFile(kept, JSON.stringify({ previous, original, found } satisfies Kept))
      amend(other, { next: kept })
      undo = {
        file: real,
        section: name,
        key,
        wrote: fingerprint(value),
        kept,
        hadEntry: previous !== undefined,
        mode,
        sectionAdded: !entries,
        madeDir,
      }
      if (typeof value === 'object') written = { ...value, [MARK]: kept }
    }
    loaded.config[name] = { ...entries, [key]: written }
    saveConfig(real, loaded, 0o600)
    return undo
  })
}

/**
 * 'removed' / 'restored': the entry set is gone, or the one before it is back. 'replaced': a login
 * made since replaced it and is left alone. 'gone': it was already gone. 'lost': removed, but the
 * kept entry from before could not be read back.
 */
export type Restored = 'removed' | 'restored' | 'replaced' | 'gone' | 'lost'

/**
 * Undoes a setEntry unless a login made since replaced the entry: puts back the entry there
 * before (another run's only while that run has yet to undo it), else removes it, and the
 * section, file and folders the action added.
 */
export function restoreEntry(u: EntryUndo): Restored {
  if (!existsSync(u.file)) {
    rmSync(u.kept, { force: true })
    return 'gone'
  }
  let madeDir = u.madeDir
  const outcome = withLock(u.file, () => {
    const kept = readJson(u.kept) as Kept | undefined
    madeDir = kept?.found?.madeDir ?? u.madeDir
    try {
      return restore(u, kept)
    } finally {
      rmSync(u.kept, { force: true }) // from now on, no other run puts this entry back
    }
  })
  if (madeDir && !existsSync(u.file)) removeEmptyFolders(dirname(u.file), madeDir)
  return outcome
}

function restore(u: EntryUndo, kept: Kept | undefined): Restored {
  const loaded = loadConfig(u.file)
  const entries = section(loaded.config, u.section, u.file) ?? {}
  const current = entries[u.key]
  const before = keptBy(kept?.previous)
  const after = alive(kept?.next) ? kept.next : undefined
  // Leave the chain of runs on this entry: the run after this one now follows the one before.
  amend(after, { previous: kept?.previous })
  amend(before, { next: after })
  // A run that set its entry over this one's has yet to undo it: the entry is its (or a later login's), mark or no mark.
  if (after) return 'replaced'
  // The last run of this action on the file to undo its entry: the file goes back to how it was found.
  const last = !alive(before)
  const back = last ? kept?.original : kept?.previous
  // Ours: by the mark when it is there (two runs may hold the same credential), else by the credential.
  const ours = current !== undefined && (keptBy(current) ? keptBy(current) === u.kept : fingerprint(current) === u.wrote)
  if (current !== undefined && !ours) {
    return back !== undefined && fingerprint(current) === fingerprint(back) ? 'restored' : 'replaced'
  }
  const lost = u.hadEntry && !kept
  if (current === undefined && back === undefined) return lost ? 'lost' : 'gone'
  if (back !== undefined) entries[u.key] = back
  else delete entries[u.key]
  loaded.config[u.section] = entries
  if (u.sectionAdded && Object.keys(entries).length === 0) delete loaded.config[u.section]
  const found = last ? kept?.found : undefined
  if (found && asFound(loaded.config, u.section, found.text, u.file)) {
    if (found.text === null) rmSync(u.file)
    else writeSecretFile(u.file, found.text, found.mode ?? 0o600)
  } else if (u.mode === undefined && Object.keys(loaded.config).length === 0) {
    rmSync(u.file) // the action made it
  } else {
    saveConfig(u.file, loaded, u.mode ?? 0o600)
  }
  return back !== undefined ? 'restored' : lost ? 'lost' : 'removed'
}

/** Whether `config` is what the file held when found (an empty section it did not have aside). */
function asFound(config: DockerConfig, name: Section, text: string | null, file: string): boolean {
  const found = text === null ? {} : parseConfig(text, file)
  const now = { ...config }
  if (found[name] === undefined && isDeepStrictEqual(now[name], {})) delete now[name]
  return isDeepStrictEqual(now, found)
}

/** Removes `dir` and its parents up to `top`, while they are empty. */
function removeEmptyFolders(dir: string, top: string): void {
  try {
    rmdirSync(dir) // fails unless empty
  } catch {
    return
  }
  if (dir !== top && dir.length > top.length) removeEmptyFolders(dirname(dir), top)
}
