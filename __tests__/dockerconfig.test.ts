import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dockerConfigDir, isolateDockerConfig, registryOnlyConfig, updateDockerConfig, DockerConfigError } from '../src/dockerconfig.js'

const dir = () => mkdtempSync(join(tmpdir(), 'dockercfg-'))
const mode = (path: string) => statSync(path).mode & 0o777

describe('docker config files', () => {
  it('finds the folder docker reads', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/x', HOME: '/h' })).toBe('/x')
    expect(dockerConfigDir({ HOME: '/h' })).toBe('/h/.docker')
  })

  it("keeps the file's own indentation and trailing newline, and mode 0600", () => {
    const d = dir()
    const file = join(d, 'config.json')
    writeFileSync(file, '{\n  "auths": {\n    "ghcr.io": {}\n  }\n}\n', { mode: 0o644 })
    updateDockerConfig(file, (c) => (c.credHelpers = { 'cgr.dev': 'x' }))
    expect(readFileSync(file, 'utf8')).toBe('{\n  "auths": {\n    "ghcr.io": {}\n  },\n  "credHelpers": {\n    "cgr.dev": "x"\n  }\n}\n')
    expect(mode(file)).toBe(0o600)
    expect(readdirSync(d)).toEqual(['config.json']) // no temp file left
  })

  it('creates a missing config, docker-style', () => {
    const file = join(dir(), 'sub', 'config.json')
    updateDockerConfig(file, (c) => (c.credHelpers = { 'cgr.dev': 'x' }))
    expect(readFileSync(file, 'utf8')).toBe('{\n\t"credHelpers": {\n\t\t"cgr.dev": "x"\n\t}\n}')
  })

  it('refuses to rewrite a config it cannot read, leaving it as it was', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(file, '{ not json')
    expect(() => updateDockerConfig(file, () => undefined)).toThrow(DockerConfigError)
    expect(readFileSync(file, 'utf8')).toBe('{ not json')
  })

  it('isolates a config without its shared credsStore', () => {
    const from = dir()
    const to = join(dir(), 'iso')
    writeFileSync(
      join(from, 'config.json'),
      JSON.stringify({ auths: { a: { auth: 'x' } }, credsStore: 'pass', credHelpers: { b: 'ecr-login' } }),
    )
    expect(isolateDockerConfig(from, to)).toBe('pass')
    expect(JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'))).toEqual({
      auths: { a: { auth: 'x' } },
      credHelpers: { b: 'ecr-login' },
    })
    expect(mode(join(to, 'config.json'))).toBe(0o600)
    expect(isolateDockerConfig(dir(), join(dir(), 'empty'))).toBeUndefined()
  })

  it('writes a registry-only .dockerconfigjson', () => {
    expect(JSON.parse(registryOnlyConfig('cgr.dev', '_token', 'tok'))).toEqual({
      auths: { 'cgr.dev': { auth: Buffer.from('_token:tok').toString('base64') } },
    })
  })
})
