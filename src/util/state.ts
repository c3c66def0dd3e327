// What the main step leaves for the post step to undo, saved as it happens so that a run that
// fails halfway is still cleaned up.
import * as core from '@actions/core'
import type { EntryUndo } from '../registry/configentry.js'

export type Undo =
  /** Put back one entry of a config file: a CLI's login or the credential helper's. */
  | ({ kind: 'entry'; what: 'docker' | 'podman' | 'credential helper' } & EntryUndo)
  /** Erase docker's login from the credential store (docker-credential-<helper>) it went to. */
  | { kind: 'store-erase'; registry: string; helper: string }
  /** chainctl auth logout, with the chainctl that logged in. */
  | { kind: 'chainctl-logout'; chainctl: string }
  /** Remove a file or folder the action made. */
  | { kind: 'remove'; path: string }

const KEY = 'undo'
const recorded: Undo[] = []

export function remember(step: Undo): void {
  recorded.push(step)
  core.saveState(KEY, JSON.stringify(recorded))
}

/** In the post step: what to undo, latest first. */
export function stepsToUndo(): Undo[] {
  const saved = core.getState(KEY)
  if (!saved) return []
  try {
    return (JSON.parse(saved) as Undo[]).reverse()
  } catch {
    core.warning('The main step left unreadable state; nothing is cleaned up.')
    return []
  }
}
