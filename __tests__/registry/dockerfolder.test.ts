import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expandHome, isInside, isolateDockerConfig } from '../../src/registry/dockerfolder.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('dockerdir-')

describe('docker config folders', () => {
  it('expands ~ as a shell does', () => {
    expect(expandHome('~', '/home/me')).toBe('/home/me')
    expect(expandHome('~/x/y', '/home/me')).toBe('/home/me/x/y')
    expect(expandHome('~x', '/home/me')).toBe('~x')
    expect(expandHome('a/~/b', '/home/me')).toBe('a/~/b')
    expect(expandHome('isolated', '/home/me')).toBe('isolated')
  })

  it('tells a folder inside another', () => {
    expect(isInside('/w/repo/creds', '/w/repo')).toBe(true)
    expect(isInside('/w/repo', '/w/repo')).toBe(true)
    expect(isInside('/w/repo-other', '/w/repo')).toBe(false)
    expect(isInside('/w/..repo', '/w')).toBe(true)
    expect(isInside('/tmp/x', '/w/repo')).toBe(false)
  })

  it("isolates a config without its shared credsStore and the registry's own entries under any spelling, linking everything else", () => {
    const from = dir()
    const to = join(dir(), 'iso')
    writeFileSync(
      join(from, 'config.json'),
      JSON.stringify({
        auths: { a: { auth: 'x' }, 'cgr.dev': { auth: 'eQ==' }, 'https://cgr.dev': { auth: 'eg==' }, 'cgr.dev/v2/': { auth: 'eg==' } },
        credsStore: 'pass',
        credHelpers: { b: 'ecr-login', 'cgr.dev': 'cgr', 'CGR.dev': 'cgr' },
        currentContext: 'remote',
      }),
    )
    writeFileSync(join(from, 'config.json123456'), '') // a temp file of docker's
    mkdirSync(join(from, 'contexts', 'meta'), { recursive: true })
    mkdirSync(join(from, 'cli-plugins'))
    writeFileSync(join(from, 'daemon.json'), '{}')
    expect(isolateDockerConfig(from, to, 'cgr.dev')).toBe('pass')
    expect(JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'))).toEqual({
      auths: { a: { auth: 'x' } },
      credHelpers: { b: 'ecr-login' },
      currentContext: 'remote',
    })
    expect(statSync(join(to, 'config.json')).mode & 0o777).toBe(0o600)
    expect(readdirSync(to).sort()).toEqual(['cli-plugins', 'config.json', 'contexts', 'daemon.json'])
    for (const name of ['cli-plugins', 'contexts', 'daemon.json']) expect(lstatSync(join(to, name)).isSymbolicLink()).toBe(true)
    rmSync(to, { recursive: true, force: true }) // what the post step does: the links go, not what they point to
    expect(existsSync(join(from, 'contexts', 'meta'))).toBe(true)
    expect(isolateDockerConfig(dir(), join(dir(), 'empty'), 'cgr.dev')).toBeUndefined()
    expect(isolateDockerConfig(join(dir(), 'missing'), join(dir(), 'empty'), 'cgr.dev')).toBeUndefined()
  })
  it.each([
    ['a string', '"cgr.dev"'],
    ['a number', '42'],
    ['null', 'null'],
    ['a list', '[]'],
  ])('refuses a config whose auths is %s, writing nothing, rather than passing its credentials on unread', (_kind, auths) => {
    const from = dir()
    const to = join(dir(), 'iso')
    writeFileSync(join(from, 'config.json'), `{"auths": ${auths}, "credHelpers": {"cgr.dev": "cgr"}}`)
    expect(() => isolateDockerConfig(from, to, 'cgr.dev')).toThrow(`${join(from, 'config.json')}: "auths" is not a JSON object`)
    expect(readdirSync(to)).toEqual([])
  })
})
