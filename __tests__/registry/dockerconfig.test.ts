import { jest } from '@jest/globals'
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  dockerConfigDir,
  loadConfig,
  realFile,
  registryOnlyConfig,
  saveConfig,
  storedEntry,
  writeSecretFile,
} from '../../src/registry/dockerconfig.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('dockercfg-')

describe('docker config files', () => {
  it('finds the folder docker reads', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/x', HOME: '/h' })).toBe('/x')
    expect(dockerConfigDir({ HOME: '/h' })).toBe('/h/.docker')
  })

  it("writes a config back in the file's own indentation and trailing newline, atomically, with the mode given", () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, '{\n  "auths": {\n    "ghcr.io": {}\n  }\n}\n', { mode: 0o644 })
    const loaded = loadConfig(file)
    loaded.config.credHelpers = { 'cgr.dev': 'x' }
    saveConfig(file, loaded, 0o600)
    expect(readFileSync(file, 'utf8')).toBe('{\n  "auths": {\n    "ghcr.io": {}\n  },\n  "credHelpers": {\n    "cgr.dev": "x"\n  }\n}\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(d)).toEqual(['config.json']) // no temp file left
    writeSecretFile(file, '{}', 0o640)
    expect(statSync(file).mode & 0o777).toBe(0o640)
  })

  it('writes a config on one line on one line, and one with CRLF line ends with CRLF', () => {
    const file = join(dir(), 'config.json')
    for (const [text, written] of [
      ['{"auths":{"ghcr.io":{}}}', '{"auths":{"ghcr.io":{}},"credHelpers":{"cgr.dev":"x"}}'],
      [
        '{\r\n  "auths": {\r\n    "ghcr.io": {}\r\n  }\r\n}\r\n',
        '{\r\n  "auths": {\r\n    "ghcr.io": {}\r\n  },\r\n  "credHelpers": {\r\n    "cgr.dev": "x"\r\n  }\r\n}\r\n',
      ],
    ]) {
      writeFileSync(file, text)
      const loaded = loadConfig(file)
      loaded.config.credHelpers = { 'cgr.dev': 'x' }
      saveConfig(file, loaded, 0o600)
      expect(readFileSync(file, 'utf8')).toBe(written)
    }
  })

  it('reads a missing config as empty, docker-style, and refuses one it cannot read', () => {
    expect(loadConfig(join(dir(), 'none.json'))).toEqual({ config: {}, indent: '\t', eol: '\n', newline: '', text: null })
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{ not json')
    expect(() => loadConfig(file)).toThrow(`${file} is not valid JSON; fix or remove it`)
    for (const text of ['[]', 'null', '"cgr.dev"', '42']) {
      writeFileSync(file, text)
      expect(() => loadConfig(file)).toThrow(`${file} is not a JSON object`)
    }
    writeFileSync(file, ' \n\t\n') // blank: docker reads it as an empty config too
    expect(loadConfig(file).config).toEqual({})
  })

  it('writes a one-line config that ends in a newline on one line, and a multi-line one it cannot read the indentation of with tabs', () => {
    const file = join(dir(), 'config.json')
    for (const [text, written] of [
      ['{"auths":{}}\n', '{"auths":{},"credHelpers":{"cgr.dev":"x"}}\n'],
      ['{ "auths": {}\n}', '{\n\t"auths": {},\n\t"credHelpers": {\n\t\t"cgr.dev": "x"\n\t}\n}'],
    ]) {
      writeFileSync(file, text)
      const loaded = loadConfig(file)
      loaded.config.credHelpers = { 'cgr.dev': 'x' }
      saveConfig(file, loaded, 0o600)
      expect(readFileSync(file, 'utf8')).toBe(written)
    }
  })

  it.each(['\\u003c', '\\u003e', '\\u0026'])("keeps Go's escape %s in a file docker wrote with it", (escape) => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, `{"psFormat": "a${escape}b <>&"}`)
    const loaded = loadConfig(file)
    loaded.config.credHelpers = {}
    saveConfig(file, loaded, 0o600)
    expect(readFileSync(file, 'utf8')).toBe(`{"psFormat":"a${escape}b \\u003c\\u003e\\u0026","credHelpers":{}}`)
  })

  it("writes < > & as they are in a file without Go's escapes", () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{"psFormat": "{{.ID}} <{{.Names}}> & more"}')
    const loaded = loadConfig(file)
    loaded.config.credHelpers = {}
    saveConfig(file, loaded, 0o600)
    expect(readFileSync(file, 'utf8')).toBe('{"psFormat":"{{.ID}} <{{.Names}}> & more","credHelpers":{}}')
  })

  it('makes the folder of a secret file 0700 when it is not there, and gives the file its mode whatever the umask', () => {
    const file = join(dir(), 'new', 'deeper', 'secret.json')
    const umask = process.umask(0o077)
    try {
      writeSecretFile(file, 'x', 0o644)
    } finally {
      process.umask(umask)
    }
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o644)
  })

  // A runner running as root must not take a user's config (or a new file in the user's folder) from that user.
  ;(process.getuid?.() === 0 ? it : it.skip)("run as root, keeps a file's owner, and gives a new one its folder's owner", () => {
    const d = dir()
    chownSync(d, 4242, 4343)
    const made = join(d, 'config.json')
    writeSecretFile(made, '{}')
    expect([statSync(made).uid, statSync(made).gid]).toEqual([4242, 4343])
    chownSync(made, 5151, 5252)
    writeSecretFile(made, '{"auths":{}}')
    expect([statSync(made).uid, statSync(made).gid]).toEqual([5151, 5252])
  })

  // A runner user may write in a folder another user owns (a group-writable config): chown would fail there.
  ;(process.getuid?.() === 0 ? it : it.skip)('not run as root, leaves the owner of a file it writes to the system', () => {
    const d = dir()
    chownSync(d, 4242, 4343)
    const getuid = jest.spyOn(process, 'getuid').mockReturnValue(1001)
    try {
      writeSecretFile(join(d, 'config.json'), '{}')
    } finally {
      getuid.mockRestore()
    }
    expect(statSync(join(d, 'config.json')).uid).toBe(0) // this process's, not the folder's
  })

  it('finds the real file behind symbolic links, as docker does, dangling ones too', () => {
    const d = dir()
    mkdirSync(join(d, 'dotfiles'))
    writeFileSync(join(d, 'dotfiles', 'docker.json'), '{}')
    symlinkSync('../dotfiles/docker.json', join(d, 'dotfiles', 'link1'))
    symlinkSync(join(d, 'dotfiles', 'link1'), join(d, 'config.json'))
    expect(realFile(join(d, 'config.json'))).toBe(join(d, 'dotfiles', 'docker.json'))
    symlinkSync(join(d, 'elsewhere', 'c.json'), join(d, 'dangling.json'))
    expect(realFile(join(d, 'dangling.json'))).toBe(join(d, 'elsewhere', 'c.json'))
    expect(realFile(join(d, 'plain.json'))).toBe(join(d, 'plain.json'))
    symlinkSync(join(d, 'loop'), join(d, 'loop'))
    expect(() => realFile(join(d, 'loop'))).toThrow(/too many levels of symbolic links/)
    expect(lstatSync(join(d, 'config.json')).isSymbolicLink()).toBe(true)
  })

  it('follows a relative link from the real folder it is in, when that folder is reached through a link', () => {
    const d = dir()
    mkdirSync(join(d, 'store', 'docker'), { recursive: true })
    mkdirSync(join(d, 'store', 'dotfiles'))
    symlinkSync('../dotfiles/config.json', join(d, 'store', 'docker', 'config.json'))
    symlinkSync(join(d, 'store', 'docker'), join(d, '.docker'))
    expect(realFile(join(d, '.docker', 'config.json'))).toBe(join(d, 'store', 'dotfiles', 'config.json'))
    expect(realFile(join(d, '.docker', 'new', 'config.json'))).toBe(join(d, 'store', 'docker', 'new', 'config.json'))
  })

  it('reads the credential a CLI stored, nothing else', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': { auth: 'YTpi' }, 'x.io': {}, 'y.io': { identitytoken: 't' } } }))
    expect(storedEntry(file, 'cgr.dev')).toEqual({ auth: 'YTpi' })
    expect(storedEntry(file, 'x.io')).toBeUndefined() // docker's marker for a credential kept in a store
    expect(storedEntry(file, 'y.io')).toEqual({ identitytoken: 't' })
    expect(storedEntry(file, 'z.io')).toBeUndefined()
    writeFileSync(file, JSON.stringify({ auths: { 'cgr.dev': null, 'x.io': 'YTpi' } })) // not entries a CLI writes
    expect([storedEntry(file, 'cgr.dev'), storedEntry(file, 'x.io')]).toEqual([undefined, undefined])
  })

  it('writes a registry-only .dockerconfigjson', () => {
    expect(JSON.parse(registryOnlyConfig('cgr.dev', '_token', 'tok'))).toEqual({
      auths: { 'cgr.dev': { auth: Buffer.from('_token:tok').toString('base64') } },
    })
  })
  it('reports a write that fails and leaves no temp file holding the secret behind', () => {
    const d = dir()
    const file = join(d, 'config.json')
    mkdirSync(join(file, 'in-the-way'), { recursive: true }) // a folder where the file goes: the rename fails
    expect(() => writeSecretFile(file, '{"auths":{"cgr.dev":{"auth":"c2VjcmV0"}}}')).toThrow(/^(EISDIR|ENOTEMPTY|EEXIST)/)
    expect(readdirSync(d)).toEqual(['config.json'])
    expect(readdirSync(file)).toEqual(['in-the-way'])
    const long = join(d, 'x'.repeat(250)) // the temp file's longer name is over the limit: the write itself fails
    expect(() => writeSecretFile(long, 'secret')).toThrow(/^ENAMETOOLONG/)
    expect(readdirSync(d)).toEqual(['config.json'])
    // refused before the temp file exists (as a folder it may not write in refuses it): that error, not the cleanup's
    expect(() => writeSecretFile(join(d, 'other.json'), 'secret', -1)).toThrow(/^The value of "mode" is out of range/)
  })

  it('refuses an auths that is not an object when reading what a CLI stored', () => {
    const file = join(dir(), 'config.json')
    for (const auths of ['"cgr.dev"', '7', 'null', '[]']) {
      writeFileSync(file, `{"auths": ${auths}}`)
      expect(() => storedEntry(file, 'cgr.dev')).toThrow(`${file}: "auths" is not a JSON object`)
    }
  })
})
