// The post step's half of the registry login: puts back what main recorded, entry by entry.
import { restoreEntry, type EntryUndo, type Restored } from './configentry.js'
import { eraseStored } from './clis.js'

export type RegistryUndo =
  /** Put back one entry of a config file: a CLI's login or the credential helper's. */
  | ({ kind: 'entry'; what: 'docker' | 'podman' | 'docker config' | 'credential helper' } & EntryUndo)
  /** Erase docker's login from the credential store (docker-credential-<helper>) it went to. */
  | { kind: 'store-erase'; registry: string; helper: string }

function entryUndone(step: Extract<RegistryUndo, { kind: 'entry' }>, outcome: Restored): string {
  const { what, key, section, file } = step
  const done = what === 'credential helper' ? `Removed the credential helper for ${key}` : `Logged out of ${key} (${what})`
  switch (outcome) {
    case 'removed':
      return done
    case 'restored':
      return `${done}; the ${section} entry that was there before is back in ${file}`
    case 'lost':
      throw new Error(`${done}, but the ${section} entry that was there before could not be put back: its saved copy is gone`)
    case 'replaced':
      return `Left ${section}["${key}"] in ${file} as it is: another login replaced this job's (${what}) since`
    case 'gone':
      return `Nothing to undo for ${key} (${what}): its entry is already gone from ${file}`
  }
}

/** Undoes one recorded step; returns the line saying what was done. */
export async function undoRegistry(step: RegistryUndo): Promise<string> {
  if (step.kind === 'entry') return entryUndone(step, restoreEntry(step))
  await eraseStored(step.helper, step.registry)
  return `Logged out of ${step.registry} (docker)`
}
