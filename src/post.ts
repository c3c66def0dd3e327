// The post step: undoes what the main step did, latest first. It warns, never fails the job.
import * as core from '@actions/core'
import { rmSync } from 'node:fs'
import { logoutChainctl, type ChainctlUndo } from './chainctl/logout.js'
import { undoLibraries, type LibrariesUndo } from './libraries/undo.js'
import { undoRegistry, type RegistryUndo } from './registry/undo.js'
import { stepsToUndo, type RemoveStep } from './util/state.js'

type Undo = RegistryUndo | ChainctlUndo | LibrariesUndo | RemoveStep

async function undo(step: Undo): Promise<void> {
  switch (step.kind) {
    case 'entry':
    case 'store-erase':
      return core.info(await undoRegistry(step))
    case 'chainctl-logout':
      return core.info(await logoutChainctl(step))
    case 'libraries':
      return core.info(undoLibraries(step))
    case 'remove':
      rmSync(step.path, { recursive: true, force: true })
  }
}

async function cleanup(): Promise<void> {
  const steps = stepsToUndo<Undo>()
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
