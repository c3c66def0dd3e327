// The post step: undoes the main step's logins. It warns, never fails the job.
import * as core from '@actions/core'
import { dockerLogout } from './docker.js'
import { loginsToUndo } from './state.js'

async function run(): Promise<void> {
  const registries = loginsToUndo()
  if (registries.length === 0) core.info('Nothing to log out of.')
  for (const registry of registries) {
    try {
      await dockerLogout(registry)
      core.info(`Logged out of ${registry}`)
    } catch (err) {
      core.warning((err as Error).message)
    }
  }
}

void run()
