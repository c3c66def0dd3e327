// What the main step leaves for the post step to undo, saved as it happens so that a run that
// fails halfway is still cleaned up. Each part of the action records steps of its own kinds;
// post.ts knows them all.
import * as core from '@actions/core'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { jobTemp } from './home.js'

/** One thing to undo; `kind` says which part of the action undoes it. */
export interface Step {
  kind: string
}

/** Remove a file or folder the action made: every part records these. */
export interface RemoveStep extends Step {
  kind: 'remove'
  path: string
}

const KEY = 'undo'
const recorded: Step[] = []

export function remember<T extends Step>(step: T): void {
  recorded.push(step)
  core.saveState(KEY, JSON.stringify(recorded))
}

/** In the post step: what to undo, latest first, read as the kinds the caller knows. */
export function stepsToUndo<T extends Step>(): T[] {
  const saved = core.getState(KEY)
  if (!saved) return []
  try {
    return (JSON.parse(saved) as T[]).reverse()
  } catch {
    core.warning('The main step left unreadable state; nothing is cleaned up.')
    return []
  }
}

/**
 * A new folder of this run's own (0700, a name no other run has) in the job's temporary folder;
 * the post step removes it.
 */
export function privateDir(prefix: string): string {
  const dir = mkdtempSync(join(jobTemp(process.env, core.warning), prefix))
  remember({ kind: 'remove', path: dir } satisfies RemoveStep)
  return dir
}
