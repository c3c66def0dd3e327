// parseInputs() on the values it takes: defaults, each input's parsed form, and the edges that
// still pass (maximum lengths, multi-digit versions, port 65535). Refusals: inputsrefused.test.ts.
import { parseInputs } from '../src/inputs.js'

const ID = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const from = (values: Record<string, string>) => (name: string) => values[name] ?? ''

describe('parseInputs', () => {
  it('applies the defaults for an OIDC login', () => {
    expect(parseInputs(from({ identity: ID }))).toEqual({
      auth: { kind: 'oidc', identity: ID, audience: 'issuer.enforce.dev' },
      chainctl: {
        install: true,
        version: 'latest',
        downloadUrl: 'https://dl.enforce.dev/chainctl',
        apkHost: 'apk.cgr.dev',
        librariesHost: 'libraries.cgr.dev',
        envAuth: false,
        verbosity: 0,
        configPath: '',
      },
      environment: 'enforce.dev',
      registry: 'cgr.dev',
      logout: true,
      dockerConfig: '',
      credentialHelper: false,
      containerCli: { auto: true, clis: ['docker', 'podman'] },
      jobSummary: true,
      outputToken: false,
      checkImages: [],
      libraries: { ecosystems: [], host: 'libraries.cgr.dev' },
    })
  })

  it('takes the libraries ecosystems, and setup-python-keyring: true as python', () => {
    const libraries = (values: Record<string, string>) => parseInputs(from({ identity: ID, ...values })).libraries
    expect(libraries({ libraries: 'java,\npython  javascript python', 'libraries-host': 'libs.example.com:8443' })).toEqual({
      ecosystems: ['python', 'javascript', 'java'],
      host: 'libs.example.com:8443',
    })
    expect(libraries({ 'setup-python-keyring': 'true' }).ecosystems).toEqual(['python'])
    expect(libraries({ 'setup-python-keyring': 'true', libraries: 'java' }).ecosystems).toEqual(['python', 'java'])
  })

  it('takes the images to check, in the registry logged in to', () => {
    const { checkImages } = parseInputs(
      from({ identity: ID, registry: 'localhost:5000', 'check-images': 'acme.com/python:3.12\nlocalhost:5000/a/b' }),
    )
    expect(checkImages).toEqual([
      { written: 'acme.com/python:3.12', registry: 'localhost:5000', repository: 'acme.com/python', tag: '3.12', digest: undefined },
      { written: 'localhost:5000/a/b', registry: 'localhost:5000', repository: 'a/b', tag: 'latest', digest: undefined },
    ])
  })

  it('derives the default audience from the environment and keeps an explicit one', () => {
    expect(parseInputs(from({ identity: ID, environment: 'chainops.dev' })).auth).toMatchObject({ audience: 'issuer.chainops.dev' })
    expect(parseInputs(from({ identity: ID, audience: 'https://example.com/x' })).auth).toMatchObject({ audience: 'https://example.com/x' })
  })

  it('takes a pull token login', () => {
    const inputs = parseInputs(
      from({ username: ID, password: 'ey.abc.def', registry: 'Localhost:5000', logout: 'False', install: 'false' }),
    )
    expect(inputs).toMatchObject({
      auth: { kind: 'pull-token', username: ID, password: 'ey.abc.def' },
      chainctl: { install: false },
      environment: 'enforce.dev',
      registry: 'localhost:5000',
      logout: false,
    })
  })

  it('takes the chainctl inputs', () => {
    const { chainctl } = parseInputs(
      from({
        identity: ID,
        environment: 'chainops.dev',
        version: '0.2.50',
        'env-auth': 'true',
        verbosity: '3',
        'apk-host': 'apk.example.com',
        'config-path': '/x/y.yaml',
      }),
    )
    expect(chainctl).toMatchObject({
      version: '0.2.50',
      downloadUrl: 'https://dl.chainops.dev/chainctl',
      envAuth: true,
      verbosity: 3,
      apkHost: 'apk.example.com',
      configPath: '/x/y.yaml',
    })
    expect(parseInputs(from({ identity: ID, 'container-cli': 'podman, docker,podman' })).containerCli).toEqual({
      auto: false,
      clis: ['podman', 'docker'],
    })
    expect(parseInputs(from({ identity: ID, 'container-cli': 'none' })).containerCli).toEqual({ auto: false, clis: [] })
    expect(parseInputs(from({ identity: ID, 'download-url': 'http://127.0.0.1:8080/mirror/' })).chainctl.downloadUrl).toBe(
      'http://127.0.0.1:8080/mirror',
    )
    expect(parseInputs(from({ identity: ID, 'download-url': 'https://mirror.example.com/chainctl' })).chainctl.downloadUrl).toBe(
      'https://mirror.example.com/chainctl',
    )
  })

  it('takes every input up to its maximum length', () => {
    const inputs = parseInputs(
      from({
        identity: ID,
        'config-path': `/${'x'.repeat(4095)}`,
        'docker-config': `/${'d'.repeat(4095)}`,
        registry: `${'a.'.repeat(126)}dev:5000`,
      }),
    )
    expect(inputs.chainctl.configPath).toHaveLength(4096)
    expect(inputs.registry).toHaveLength(260)
    expect(parseInputs(from({ username: ID, password: 'p'.repeat(8192) })).auth).toMatchObject({ kind: 'pull-token' })
  })

  it('takes multi-digit versions, 3-segment identities, port 65535 and the YAML spellings of true and false', () => {
    const three = `${ID}/0123456789abcdef`
    const inputs = parseInputs(
      from({
        identity: three,
        version: '10.11.12',
        registry: 'Registry.Example.com:65535',
        logout: 'FALSE',
        'job-summary': 'False',
        'env-auth': 'TRUE',
      }),
    )
    expect(inputs).toMatchObject({
      auth: { identity: three },
      chainctl: { version: '10.11.12', envAuth: true },
      registry: 'registry.example.com:65535',
    })
    expect([inputs.logout, inputs.jobSummary]).toEqual([false, false])
    expect(parseInputs(from({ username: three, password: 'p' })).auth).toMatchObject({ username: three })
    expect(parseInputs(from({ identity: ID, 'env-auth': 'True', install: 'True' })).chainctl).toMatchObject({
      envAuth: true,
      install: true,
    })
    expect(parseInputs(from({ identity: ID, audience: 'a'.repeat(256) })).auth).toMatchObject({ audience: 'a'.repeat(256) })
    expect(parseInputs(from({ identity: ID, verbosity: '5' })).chainctl.verbosity).toBe(5)
    expect(parseInputs(from({ identity: ID, 'download-url': 'http://localhost:8080/c' })).chainctl.downloadUrl).toBe(
      'http://localhost:8080/c',
    )
    expect(parseInputs(from({ identity: ID, 'download-url': 'http://[::1]:8080/c//' })).chainctl.downloadUrl).toBe('http://[::1]:8080/c')
  })

  it('takes host names of one-, two- and 63-character labels, a one-digit port and a one-character audience', () => {
    const registry = (value: string) => parseInputs(from({ identity: ID, registry: value })).registry
    expect(registry('ghcr.io')).toBe('ghcr.io')
    expect(registry('x.io:1')).toBe('x.io:1')
    expect(registry(`${'a'.repeat(63)}.dev`)).toBe(`${'a'.repeat(63)}.dev`)
    expect(registry(`a-${'b'.repeat(59)}-c.dev`)).toBe(`a-${'b'.repeat(59)}-c.dev`)
    expect(parseInputs(from({ identity: ID, audience: 'a' })).auth).toMatchObject({ audience: 'a' })
  })

  it('shows a refused value of up to 80 characters whole, and a longer one cut', () => {
    const shown = (registry: string) => (() => parseInputs(from({ identity: ID, registry }))) as () => never
    expect(shown(`${'a'.repeat(79)}/`)).toThrow(`; got "${'a'.repeat(79)}/"`)
    expect(shown(`${'a'.repeat(80)}/`)).toThrow(`; got "${'a'.repeat(80)}..."`)
  })

  it('takes a container CLI list with a trailing comma, and a docker-config path with ~ inside it', () => {
    expect(parseInputs(from({ identity: ID, 'container-cli': 'docker,\npodman,' })).containerCli).toEqual({
      auto: false,
      clis: ['docker', 'podman'],
    })
    expect(parseInputs(from({ identity: ID, 'docker-config': 'build/~x' })).dockerConfig).toBe('build/~x')
  })

  it('never echoes the password in an error', () => {
    expect(() => parseInputs(from({ identity: ID, username: ID, password: 's3cr3t-pull-token' }))).toThrow(/^(?!.*s3cr3t)/)
  })
})
