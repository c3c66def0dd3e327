// Where Maven is: read by the inputs (java without mvn fails before any request) and by the setup.
import { existsSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'

/** The folder Maven's launcher reads: `mvn` on PATH, followed through links, then ../conf. */
export function mavenConf(path = process.env.PATH ?? ''): string {
  const names = process.platform === 'win32' ? ['mvn.cmd', 'mvn'] : ['mvn']
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const bin = join(dir, name)
      if (existsSync(bin)) return join(dirname(dirname(realpathSync(bin))), 'conf')
    }
  }
  throw new Error("Input 'libraries' lists java, but mvn is not on PATH: install Maven before this step")
}
