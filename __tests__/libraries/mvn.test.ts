import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mavenConf } from '../../src/libraries/mvn.js'

describe('mavenConf', () => {
  it('follows mvn on PATH through its links to the installation’s conf folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    mkdirSync(join(root, 'share/maven/bin'), { recursive: true })
    mkdirSync(join(root, 'bin'))
    writeFileSync(join(root, 'share/maven/bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    symlinkSync(join(root, 'share/maven/bin/mvn'), join(root, 'bin/mvn')) // as Debian's /usr/bin/mvn
    expect(mavenConf(`${join(root, 'empty')}:${join(root, 'bin')}`)).toBe(join(root, 'share/maven/conf'))
  })

  it('says to install Maven when mvn is not on PATH', () => {
    expect(() => mavenConf(mkdtempSync(join(tmpdir(), 'no-maven-')))).toThrow(
      "Input 'libraries' lists java, but mvn is not on PATH: install Maven before this step",
    )
  })
})
