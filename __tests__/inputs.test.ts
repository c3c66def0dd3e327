import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { forkOf, parseInputs, InputError, runContext } from '../src/inputs.js'

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

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['a version range', { identity: ID, version: '^0.2' }, /^Input 'version' must be latest or a version X.Y.Z, like 0.2.50; got "\^0.2"$/],
    ['a v-prefixed version', { identity: ID, version: 'v0.2.50' }, /^Input 'version' must be latest or a version X.Y.Z/],
    // Anchors: a version becomes part of a download path, so garbage on either end is refused.
    ['a version with a path after it', { identity: ID, version: '0.2.50/../../x' }, /^Input 'version' must be latest or a version X.Y.Z/],
    ['a version with a prefix', { identity: ID, version: 'x0.2.50' }, /^Input 'version' must be latest or a version X.Y.Z/],
    ['a two-digit verbosity', { identity: ID, verbosity: '35' }, /^Input 'verbosity' must be a number from 0 to 5; got "35"$/],
    ['a verbosity with a prefix', { identity: ID, verbosity: '93' }, /^Input 'verbosity' must be a number from 0 to 5; got "93"$/],
    ['a boolean with a suffix', { identity: ID, logout: 'trueish' }, /^Input 'logout' must be true or false; got "trueish"$/],
    ['a boolean with a prefix', { identity: ID, logout: 'untrue' }, /^Input 'logout' must be true or false; got "untrue"$/],
    ['a false with a suffix', { identity: ID, logout: 'false!' }, /^Input 'logout' must be true or false; got "false!"$/],
    ['a false with a prefix', { identity: ID, logout: 'isfalse' }, /^Input 'logout' must be true or false; got "isfalse"$/],
    ['identity with a leading path', { identity: `../${ID}` }, /^Input 'identity' must be a Chainguard identity ID/],
    ['an audience with a non-ASCII end', { identity: ID, audience: 'cgr.dev\u00e9' }, /^Input 'audience' must be a single word/],
    ['an audience with a non-ASCII start', { identity: ID, audience: '\u00e9cgr.dev' }, /^Input 'audience' must be a single word/],
    ['an audience of 257 characters', { identity: ID, audience: 'a'.repeat(257) }, /^Input 'audience' must be a single word/],
    [
      'a config path with a carriage return',
      { identity: ID, 'config-path': '/x\r' },
      /^Input 'config-path' must be a single-line file path/,
    ],
    ['a config path with a NUL', { identity: ID, 'config-path': '/x\0y' }, /^Input 'config-path' must be a single-line file path/],
    ['a docker-config with a carriage return', { identity: ID, 'docker-config': '/x\r' }, /^Input 'docker-config' must be empty/],
    ['a docker-config with a NUL', { identity: ID, 'docker-config': '/x\0' }, /^Input 'docker-config' must be empty/],
    ['a password with a carriage return', { username: ID, password: 'a\rb' }, /^Input 'password' must be a single line/],
    [
      'a download URL with only a username',
      { identity: ID, 'download-url': 'https://s3cr3t@mirror.example.com' },
      /^Input 'download-url' must be an https URL \(http only for localhost\) without credentials, like https:\/\/dl.enforce.dev\/chainctl$/,
    ],
    [
      'a download URL with only a password',
      { identity: ID, 'download-url': 'https://:s3cr3t@mirror.example.com' },
      /^Input 'download-url' must be an https URL \(http only for localhost\) without credentials, like https:\/\/dl.enforce.dev\/chainctl$/,
    ],
    ['a download URL with a query', { identity: ID, 'download-url': 'https://mirror.example.com/c?x=1' }, /^Input 'download-url' must be/],
    ['a download URL with a fragment', { identity: ID, 'download-url': 'https://mirror.example.com/c#x' }, /^Input 'download-url' must be/],
    ['an ftp download URL', { identity: ID, 'download-url': 'ftp://mirror.example.com/c' }, /^Input 'download-url' must be/],
    ['an ftp download URL on localhost', { identity: ID, 'download-url': 'ftp://localhost/c' }, /^Input 'download-url' must be/],
    ['env-auth not a boolean', { identity: ID, 'env-auth': 'maybe' }, /^Input 'env-auth' must be true or false/],
    ['credential-helper not a boolean', { identity: ID, 'credential-helper': 'maybe' }, /^Input 'credential-helper' must be true or false/],
    ['output-token not a boolean', { identity: ID, 'output-token': 'maybe' }, /^Input 'output-token' must be true or false/],
    [
      'libraries-host with a path',
      { identity: ID, 'libraries-host': 'libraries.cgr.dev/x' },
      /^Input 'libraries-host' must be a host name/,
    ],
    ['port 0', { identity: ID, registry: 'cgr.dev:0' }, /^Input 'registry' must be a host name/],
    ['a host label ending in a dash', { identity: ID, registry: 'cgr-.dev' }, /^Input 'registry' must be a host name/],
    ['an empty container CLI list', { identity: ID, 'container-cli': ' , ' }, /^Input 'container-cli' must be auto, none or a list/],
    [
      'plain http to a remote mirror',
      { identity: ID, 'download-url': 'http://mirror.example.com/chainctl' },
      /^Input 'download-url' must be an https URL \(http only for localhost\)/,
    ],
    [
      'a download URL with credentials',
      { identity: ID, 'download-url': 'https://u:s3cr3t@mirror.example.com' },
      /^Input 'download-url' must be an https URL \(http only for localhost\) without credentials, like https:\/\/dl.enforce.dev\/chainctl$/,
    ],
    ['a download URL that is not one', { identity: ID, 'download-url': 'mirror' }, /^Input 'download-url' must be an https URL/],
    [
      'a download URL ending in a bare ?',
      { identity: ID, 'download-url': 'https://mirror.example.com/chainctl?' },
      /^Input 'download-url' must be an https URL.*; got "https:\/\/mirror.example.com\/chainctl\?"$/,
    ],
    [
      'a download URL ending in a bare #',
      { identity: ID, 'download-url': 'https://mirror.example.com/chainctl#' },
      /^Input 'download-url' must be an https URL/,
    ],
    ['verbosity out of range', { identity: ID, verbosity: '9' }, /^Input 'verbosity' must be a number from 0 to 5; got "9"$/],
    ['install not a boolean', { identity: ID, install: 'maybe' }, /^Input 'install' must be true or false/],
    ['env-auth with a pull token', { username: ID, password: 'p', 'env-auth': 'true' }, /^Input 'env-auth' needs 'identity'/],
    [
      'credential-helper with a pull token',
      { username: ID, password: 'p', 'credential-helper': 'true' },
      /^Input 'credential-helper' needs 'identity'/,
    ],
    [
      'docker-config with a newline',
      { identity: ID, 'docker-config': 'a\nb' },
      /^Input 'docker-config' must be empty, 'isolated' or a folder path/,
    ],
    [
      "docker-config in another user's home",
      { identity: ID, 'docker-config': '~root/docker' },
      /^Input 'docker-config' must name a folder with ~ or ~\/ \(your home\), not ~user; got "~root\/docker"$/,
    ],
    [
      'an unknown container CLI',
      { identity: ID, 'container-cli': 'docker,nerdctl' },
      /^Input 'container-cli' must be auto, none or a list of docker, podman; got "docker,nerdctl"$/,
    ],
    ['job-summary not a boolean', { identity: ID, 'job-summary': 'on' }, /^Input 'job-summary' must be true or false/],
    ['apk-host with a path', { identity: ID, 'apk-host': 'apk.cgr.dev/x' }, /^Input 'apk-host' must be a host name/],
    ['no identity', {}, /^Input 'identity' is required/],
    ['uppercase identity', { identity: ID.toUpperCase() }, /^Input 'identity' must be a Chainguard identity ID/],
    ['identity with a shell metacharacter', { identity: `${ID};rm -rf /` }, /^Input 'identity' must be/],
    ['identity with a trailing slash', { identity: `${ID}/` }, /^Input 'identity' must be/],
    ['registry with a space', { identity: ID, registry: 'cgr.dev evil' }, /^Input 'registry' must be a host name/],
    ['option-like registry', { identity: ID, registry: '--password=x' }, /^Input 'registry' must be a host name/],
    ['registry with a newline', { identity: ID, registry: 'cgr.dev\nx' }, /^Input 'registry' must be a host name/],
    ['registry with a path', { identity: ID, registry: 'cgr.dev/acme' }, /^Input 'registry' must be a host name/],
    ['registry port out of range', { identity: ID, registry: 'cgr.dev:70000' }, /^Input 'registry' must be a host name/],
    ['registry with $()', { identity: ID, registry: '$(id).cgr.dev' }, /^Input 'registry' must be a host name/],
    ['environment with a slash', { identity: ID, environment: 'evil.com/x' }, /^Input 'environment' must be a host name/],
    ['logout not a boolean', { identity: ID, logout: 'yes' }, /^Input 'logout' must be true or false; got "yes"$/],
    ['audience with a space', { identity: ID, audience: 'a b' }, /^Input 'audience' must be a single word/],
    [
      'identity and password together',
      { identity: ID, username: ID, password: 'p' },
      /^Input 'identity' must be empty when username\/password/,
    ],
    ['password without username', { password: 'p' }, /^Input 'username' must be the pull token's identity ID/],
    ['username without password', { username: ID }, /^Input 'password' must hold the pull token/],
    ['username not an identity', { username: 'bob', password: 'p' }, /^Input 'username' must be a Chainguard identity ID/],
    ['multi-line password', { username: ID, password: 'a\nb' }, /^Input 'password' must be a single line/],
    [
      'an uppercase image',
      { identity: ID, 'check-images': 'acme.com/python\nacme.com/Python:3.12' },
      /^Input 'check-images' has an invalid image reference "acme.com\/Python:3.12": repository names must be lowercase \(expected \[cgr.dev\/\]/,
    ],
    [
      'an image in another registry',
      { identity: ID, 'check-images': 'localhost:5000/a/b' },
      /^Input 'check-images' has an invalid image reference "localhost:5000\/a\/b": it names registry localhost:5000, but only cgr.dev/,
    ],
    ['a 5000-character identity', { identity: 'a'.repeat(5000) }, /^Input 'identity' must be at most 260 characters long, not 5000$/],
    ['an overlong registry', { identity: ID, registry: `${'a.'.repeat(130)}dev` }, /^Input 'registry' must be at most 260 characters long/],
    ['an overlong audience', { identity: ID, audience: 'a'.repeat(261) }, /^Input 'audience' must be at most 260 characters long/],
    [
      'an overlong pull token',
      { username: ID, password: 'x'.repeat(8193) },
      /^Input 'password' must be at most 8192 characters long, not 8193$/,
    ],
    [
      'an overlong download URL',
      { identity: ID, 'download-url': `https://a.dev/${'x'.repeat(2048)}` },
      /^Input 'download-url' must be at most 2048/,
    ],
    ['an overlong config path', { identity: ID, 'config-path': `/${'x'.repeat(4096)}` }, /^Input 'config-path' must be at most 4096/],
    ['an overlong docker config', { identity: ID, 'docker-config': `/${'x'.repeat(4096)}` }, /^Input 'docker-config' must be at most 4096/],
    [
      'an unknown ecosystem',
      { identity: ID, libraries: 'python, ruby' },
      /^Input 'libraries' must be a list of python, javascript, java; got "ruby"$/,
    ],
    ['libraries with a pull token', { username: ID, password: 'p', libraries: 'java' }, /^Input 'libraries' needs 'identity'/],
    [
      'setup-python-keyring with a pull token',
      { username: ID, password: 'p', 'setup-python-keyring': 'true' },
      /^Input 'setup-python-keyring' needs 'identity'/,
    ],
    ['an overlong boolean', { identity: ID, 'job-summary': 'true'.padEnd(300) }, /^Input 'job-summary' must be at most 260/],
  ]
  it.each(bad)('rejects %s with a one-line error naming the input', (_name, values, message) => {
    let error: unknown
    try {
      parseInputs(from(values))
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InputError)
    const text = (error as Error).message
    expect(text).toMatch(message)
    expect(text).not.toContain('\n')
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

describe('a pull request from a fork', () => {
  const FORK_LINE =
    "This job runs for a pull request from the fork forker/app, and GitHub gives fork pull requests no OIDC token (nor this repository's variables and secrets), so it cannot log in; " +
    'public images (cgr.dev/chainguard/<name>:latest) still pull without a login. Skip this step for forks with: ' +
    'if: github.event.pull_request.head.repo.full_name == github.repository || !github.event.pull_request'
  const prFrom = (head: string) => ({ pull_request: { head: { repo: { full_name: head } }, base: { repo: { full_name: 'acme/app' } } } })

  it('is a head repository other than this one', () => {
    expect(forkOf(prFrom('forker/app'), 'acme/app')).toBe('forker/app')
    expect(forkOf(prFrom('Acme/App'), 'acme/app')).toBeUndefined() // a branch of this repository
    expect(forkOf({ ref: 'refs/heads/main' }, 'acme/app')).toBeUndefined() // a push
    expect(forkOf(undefined, 'acme/app')).toBeUndefined()
    expect(forkOf(prFrom('forker/app'), undefined)).toBeUndefined()
  })

  it("says so, before 'identity is required' (a fork's run gets no variables), with the if: that skips it", () => {
    const run = { fork: 'forker/app' }
    expect(() => parseInputs(from({}), run)).toThrow(new InputError(FORK_LINE))
    expect(() => parseInputs(from({ identity: ID }), run)).toThrow(FORK_LINE) // no OIDC token for it either
    expect(() => parseInputs(from({ username: ID }), run)).toThrow(FORK_LINE) // no secret for the pull token
    expect(() => parseInputs(from({}))).toThrow(/^Input 'identity' is required/)
    // A pull token that arrived (a self-hosted runner's own secret store, say) still logs in.
    expect(parseInputs(from({ username: ID, password: 'ey.a.b' }), run).auth).toMatchObject({ kind: 'pull-token' })
    // Inputs wrong in every run are still named first.
    expect(() => parseInputs(from({ registry: 'cgr.dev evil' }), run)).toThrow(/^Input 'registry'/)
  })

  it("is read from the runner's event payload, and only when the job has no OIDC token", () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-'))
    const path = join(dir, 'event.json')
    writeFileSync(path, JSON.stringify(prFrom('forker/app')))
    const env = { GITHUB_EVENT_PATH: path, GITHUB_REPOSITORY: 'acme/app' }
    expect(runContext(env)).toEqual({ fork: 'forker/app' })
    expect(runContext({ ...env, ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/_apis/token' })).toEqual({})
    // Same payload, but pull_request_target gets an OIDC token with id-token: write: not the fork's fault.
    expect(runContext({ ...env, GITHUB_EVENT_NAME: 'pull_request_target' })).toEqual({})
    expect(runContext({ ...env, GITHUB_EVENT_NAME: 'pull_request' })).toEqual({ fork: 'forker/app' })
    expect(runContext({ ...env, GITHUB_EVENT_PATH: join(dir, 'missing.json') })).toEqual({ fork: undefined })
    writeFileSync(path, 'not json')
    expect(runContext(env)).toEqual({ fork: undefined })
    // A payload larger than GitHub sends is not read at all: the fork's event, padded past 25 MiB.
    writeFileSync(path, JSON.stringify(prFrom('forker/app')) + ' '.repeat(25 * 1024 * 1024))
    expect(runContext(env)).toEqual({ fork: undefined })
  })
})
