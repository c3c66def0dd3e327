// The post step's half of Chainguard Libraries: everything lives in the job's own folder, and the
// variables that point at it end with the job.
import { rmSync } from 'node:fs'

export interface LibrariesUndo {
  kind: 'libraries'
  path: string
  ecosystems: string[]
}

export function undoLibraries(step: LibrariesUndo): string {
  rmSync(step.path, { recursive: true, force: true })
  return `Removed the Chainguard Libraries configuration for ${step.ecosystems.join(', ')}`
}
