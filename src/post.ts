// The post step: undoes what the main step did, latest first. It warns, never fails the job.
import * as core from '@actions/core'
import { rmSync } from 'node:fs'
import { restoreEntry, type Restored } from './registry/configentry.js'
import { lastLine, run } from './util/exec.js'
import { eraseStored } from './registry/clis.js'
import { stepsToUndo, type Undo } from './util/state.js'

function entryUndone(step: Extract<Undo, { kind: 'entry' }>, outcome: Restored): string {
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

async function undo(step: Undo): Promise<void> {
  switch (step.kind) {
    case 'entry':
      return core.info(entryUndone(step, restoreEntry(step)))
    case 'store-erase':
      await eraseStored(step.helper, step.registry)
      return core.info(`Logged out of ${step.registry} (docker)`)
    case 'chainctl-logout': {
      const { code, output } = await run(step.chainctl, ['auth', 'logout'])
      if (code !== 0) throw new Error(`chainctl auth logout failed: ${lastLine(output)}`)
      return core.info('Logged chainctl out')
    }
    case 'remove':
      rmSync(step.path, { recursive: true, force: true })
  }
}

async function cleanup(): Promise<void> {
  const steps = stepsToUndo()
  if (!steps.some((s) => s.kind !== 'remove')) core.info('Nothing to log out of.')
  for (const step of steps) {
    try {
      await undo(step)
    } catch (err) {
      core.warning((err as Error).message)
    }
  }
}

cleanup().catch((err: unknown) => core.warning(`Cleanup failed: ${err instanceof Error ? err.message : String(err)}`))
