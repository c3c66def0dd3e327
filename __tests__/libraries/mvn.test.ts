import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { mavenConf } from '../../src/libraries/mvn.js'

describe('mavenConf', () => {
  it('follows mvn on PATH through its links to the installation’s conf folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    mkdirSync(join(root, 'share/maven/bin'), { recursive: true })
    mkdirSync(join(root, 'bin'))
    writeFileSync(join(root, 'share/maven/bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    symlinkSync(join(root, 'share/maven/bin/mvn'), join(root, 'bin/mvn')) // as Debian's /usr/bin/mvn
    mkdirSync(join(root, 'share/maven/conf'))
    expect(mavenConf(`${join(root, 'empty')}:${join(root, 'bin')}`)).toBe(join(root, 'share/maven/conf'))
  })

  it('finds the conf folder of Homebrew’s Maven, whose bin/mvn is a script that runs libexec/bin/mvn', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    const cellar = join(root, 'Cellar/maven/3.9.9')
    mkdirSync(join(cellar, 'libexec/bin'), { recursive: true })
    mkdirSync(join(cellar, 'libexec/conf'))
    mkdirSync(join(cellar, 'bin'))
    mkdirSync(join(root, 'bin'))
    writeFileSync(join(cellar, 'libexec/bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    writeFileSync(join(cellar, 'bin/mvn'), `#!/bin/bash\nexec "${cellar}/libexec/bin/mvn" "$@"\n`, { mode: 0o755 })
    symlinkSync('../Cellar/maven/3.9.9/bin/mvn', join(root, 'bin/mvn'))
    expect(mavenConf(join(root, 'bin'))).toBe(join(cellar, 'libexec/conf'))
  })

  it('says which installation has no conf folder, rather than failing to copy it', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    mkdirSync(join(root, 'bin'))
    writeFileSync(join(root, 'bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    expect(() => mavenConf(join(root, 'bin'))).toThrow(
      `Input 'libraries' lists java, but the Maven of ${join(root, 'bin/mvn')} has no conf folder (${join(root, 'conf')}): install Maven before this step`,
    )
  })

  it('takes the conf folder the user’s MAVEN_OPTS already names, which ours would otherwise replace', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    mkdirSync(join(root, 'share/maven/bin'), { recursive: true })
    mkdirSync(join(root, 'share/maven/conf'))
    writeFileSync(join(root, 'share/maven/bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    expect(mavenConf(join(root, 'share/maven/bin'), '-Xmx1g -Dmaven.conf=/opt/corp/conf -Dx=1')).toBe('/opt/corp/conf')
  })

  it('takes the last -Dmaven.conf of MAVEN_OPTS, as Java does, also when it opens them', () => {
    expect(mavenConf('', '-Dmaven.conf=/first -Dmaven.conf=/second')).toBe('/second')
    expect(mavenConf('', '-Dmaven.conf=/only')).toBe('/only')
  })

  it('says which installation has no conf folder when its conf is a file', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    mkdirSync(join(root, 'bin'))
    writeFileSync(join(root, 'bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    writeFileSync(join(root, 'conf'), '')
    expect(() => mavenConf(join(root, 'bin'))).toThrow(`has no conf folder (${join(root, 'conf')})`)
  })

  it('reads no mvn of the working folder (the checkout) for an empty PATH entry', () => {
    const root = mkdtempSync(join(tmpdir(), 'maven-'))
    mkdirSync(join(root, 'checkout'))
    mkdirSync(join(root, 'conf'))
    writeFileSync(join(root, 'checkout/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    const cwd = process.cwd()
    process.chdir(join(root, 'checkout'))
    try {
      expect(() => mavenConf(`${delimiter}${join(root, 'empty')}`)).toThrow('mvn is not on PATH')
    } finally {
      process.chdir(cwd)
    }
  })

  it('says to install Maven when mvn is not on PATH', () => {
    expect(() => mavenConf(mkdtempSync(join(tmpdir(), 'no-maven-')))).toThrow(
      "Input 'libraries' lists java, but mvn is not on PATH: install Maven before this step",
    )
  })
})
