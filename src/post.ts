// The post step: undoes what the main step did, latest first. It warns, never fails the job.
import * as core from '@actions/core'
import { rmSync } from 'node:fs'
import { HELPER_NAME } from './credhelper.js'
import { lastLine, run } from './exec.js'
import { cliLogout } from './registrycli.js'
import { updateDockerConfig } from './dockerconfig.js'
import { stepsToUndo, type Undo } from './state.js'

async function undo(step: Undo): Promise<void> {
  switch (step.kind) {
    case 'logout':
      await cliLogout(step.target, step.registry)
      return core.info(`Logged out of ${step.registry} (${step.target.cli})`)
    case 'chainctl-logout': {
      const { code, output } = await run(step.chainctl, ['auth', 'logout'])
      if (code !== 0) throw new Error(`chainctl auth logout failed: ${lastLine(output)}`)
      return core.info('Logged chainctl out')
    }
    case 'unset-helper':
      updateDockerConfig(step.configFile, (c) => {
        // Only our own entry: another job may have registered something else since.
        if (c.credHelpers?.[step.registry] === HELPER_NAME) delete c.credHelpers[step.registry]
      })
      return core.info(`Removed the credential helper for ${step.registry}`)
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
