// What the main step leaves for the post step to undo.
import * as core from '@actions/core'

const LOGOUT = 'logout-registries'

/** Records a login the post step must undo; called only after the login succeeded. */
export function rememberLogin(registry: string): void {
  const registries = new Set([...loginsToUndo(), registry])
  core.saveState(LOGOUT, [...registries].join(','))
}

export function loginsToUndo(): string[] {
  return core.getState(LOGOUT).split(',').filter(Boolean)
}
