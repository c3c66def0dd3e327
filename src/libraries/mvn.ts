// Where Maven is: read by the inputs (java without mvn fails before any request) and by the setup.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'

/**
 * The folder Maven's launcher reads: `mvn` on PATH, followed through links, then ../conf, or
 * ../libexec/conf where bin/mvn is Homebrew's script that runs libexec/bin/mvn; a -Dmaven.conf of
 * the user's MAVEN_OPTS first.
 */
export function mavenConf(path = process.env.PATH ?? '', mavenOpts = process.env.MAVEN_OPTS ?? ''): string {
  // The user's own -Dmaven.conf is the one the launcher reads (ours, appended later, replaces it): copy that.
  const own = [...mavenOpts.matchAll(/(?:^|\s)-Dmaven\.conf=(\S+)/g)].pop()?.[1]
  if (own) return own
  const names = process.platform === 'win32' ? ['mvn.cmd', 'mvn'] : ['mvn']
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const bin = join(dir, name)
      if (!existsSync(bin)) continue
      const [conf, brew] = ['conf', 'libexec/conf'].map((c) => join(dirname(dirname(realpathSync(bin))), c))
      for (const folder of [conf, brew]) if (existsSync(folder) && statSync(folder).isDirectory()) return folder
      throw new Error(`Input 'libraries' lists java, but the Maven of ${bin} has no conf folder (${conf}): install Maven before this step`)
    }
  }
  throw new Error("Input 'libraries' lists java, but mvn is not on PATH: install Maven before this step")
}
