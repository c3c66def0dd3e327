// Chainguard Libraries from one `libraries:` line: pip, npm and Maven, the real clients in later
// steps of the job, fetch from the sandbox's libraries.cgr.dev with the identity's token; they
// fail before the action ran and after its post step; the user's own pip.conf, .npmrc, .netrc and
// settings.xml are the same bytes after post, and no token shows in what was printed or left.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { IDENTITY } from '../sandbox/index.ts'
import { newSigner, now, sign } from '../sandbox/jwt.ts'
import { ARTIFACT, PACKAGE } from '../sandbox/libraries.ts'
import { fileCommands, laterStep, outputs, ROOT, runStep, scratchDir, type Job, type StepResult } from '../sandbox/runner.ts'
import { anotherUse, job, leaks, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
const base = { identity: IDENTITY, install: 'false', 'container-cli': 'docker' }

// Java reads its own trust store, not the system bundle netns.sh extends: one with the sandbox CA.
const trustStore = join(scratchDir('truststore-'), 'sandbox.p12')
beforeAll(() => {
  const ca = join(ROOT, '.sandbox/pki/ca.crt')
  execFileSync('keytool', [
    '-importcert',
    '-noprompt',
    '-alias',
    'sandbox',
    '-file',
    ca,
    '-keystore',
    trustStore,
    '-storetype',
    'PKCS12',
    '-storepass',
    'sandbox',
  ])
})

/** The user's own settings of each client, as files under the job's home: path -> bytes. */
const USER_FILES: Record<string, string> = {
  '.config/pip/pip.conf': '[global]\ntimeout = 7\n',
  '.netrc': 'machine git.example.com login octocat password user-own-secret\n',
  '.npmrc': 'fund=false\n//npm.example.com/:_authToken=user-own-token\n',
  '.m2/settings.xml': '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0"><interactiveMode>false</interactiveMode></settings>\n',
}

function librariesJob(): Job {
  const j = job(sb)
  for (const [path, text] of Object.entries(USER_FILES)) {
    mkdirSync(join(j.home, path, '..'), { recursive: true })
    writeFileSync(join(j.home, path), text, { mode: 0o600 })
  }
  Object.assign(j.env, {
    PIP_CERT: '/etc/ssl/certs/ca-certificates.crt', // pip reads certifi's bundle, not the system's
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_RETRIES: '0',
    PIP_NO_INPUT: '1', // a refused login fails rather than asks
    NPM_CONFIG_FETCH_RETRIES: '0',
    // As a runner's user: Java takes the home from the password database, not HOME.
    MAVEN_OPTS: `-Duser.home=${j.home} -Djavax.net.ssl.trustStore=${trustStore} -Djavax.net.ssl.trustStorePassword=sandbox`,
  })
  const project = join(j.env.GITHUB_WORKSPACE, 'java')
  mkdirSync(project)
  // A build extension is resolved when the project loads: `mvn validate` fetches it and needs no plugin.
  const extension = `<extension><groupId>${ARTIFACT.group}</groupId><artifactId>${ARTIFACT.artifact}</artifactId><version>${ARTIFACT.version}</version></extension>`
  writeFileSync(
    join(project, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>acme</groupId><artifactId>app</artifactId><version>1</version><packaging>pom</packaging><build><extensions>${extension}</extensions></build></project>\n`,
  )
  return j
}

let runs = 0
const BIN = join(ROOT, 'node_modules/.bin') // pnpm 10
/** A fresh project that depends on the sandbox's package. */
function nodeProject(j: Job, name: string): string {
  const dir = join(j.dir, `${name}-${++runs}`)
  mkdirSync(dir)
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { [PACKAGE.name]: PACKAGE.version } }),
  )
  return dir
}
/** Each client installs the sandbox's package into a fresh place (no cache helps a later run). */
const CLIENTS: Record<string, (j: Job) => Promise<{ result: StepResult; installed: string }>> = {
  pip: async (j) => {
    const target = join(j.dir, `py-${++runs}`)
    const args = ['-m', 'pip', 'install', '--no-cache-dir', '--no-deps', '--target', target, `${PACKAGE.name}==${PACKAGE.version}`]
    return { result: await laterStep(j, 'python3', args), installed: join(target, 'chainguard_hello/__init__.py') }
  },
  npm: async (j) => {
    const prefix = join(j.dir, `npm-${++runs}`)
    const args = ['install', '--no-save', '--no-audit', '--no-fund', '--cache', join(prefix, 'cache'), '--prefix', prefix, PACKAGE.name]
    mkdirSync(prefix)
    return { result: await laterStep(j, 'npm', args), installed: join(prefix, 'node_modules', PACKAGE.name, 'index.js') }
  },
  pnpm: async (j) => {
    const dir = nodeProject(j, 'pnpm')
    const args = ['install', '--dir', dir, '--no-frozen-lockfile', '--store-dir', join(dir, 'store'), '--cache-dir', join(dir, 'cache')]
    return { result: await laterStep(j, join(BIN, 'pnpm'), args), installed: join(dir, 'node_modules', PACKAGE.name, 'index.js') }
  },
  mvn: async (j) => {
    const repo = join(j.dir, `m2-${++runs}`)
    const args = ['-B', '-ntp', '-f', join(j.env.GITHUB_WORKSPACE, 'java/pom.xml'), `-Dmaven.repo.local=${repo}`, 'validate']
    const jar = join(
      repo,
      ARTIFACT.group.replaceAll('.', '/'),
      ARTIFACT.artifact,
      ARTIFACT.version,
      `${ARTIFACT.artifact}-${ARTIFACT.version}.jar`,
    )
    return { result: await laterStep(j, 'mvn', args), installed: jar }
  },
}

/** The mode of the job's libraries folder ('.') and of every file in it that holds the token. */
function secretFileModes(j: Job): Record<string, number> {
  const dir = dirname(fileCommands(j.files.env).NETRC)
  const token = readFileSync(join(dir, 'netrc'), 'utf8').split(' ').pop()?.trim() ?? ''
  const modes: Record<string, number> = { '.': statSync(dir).mode & 0o777 }
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name)
    const text = statSync(path).isFile() ? readFileSync(path, 'utf8') : ''
    if (text.includes(token) || text.includes(Buffer.from(`_token:${token}`).toString('base64'))) modes[name] = statSync(path).mode & 0o777
  }
  return modes
}

const userBytes = (j: Job) => Object.keys(USER_FILES).map((path) => readFileSync(join(j.home, path), 'utf8'))

test('pip, npm, pnpm and mvn fetch from Chainguard Libraries after the action, not before it, and not after its post step', async () => {
  const j = librariesJob()
  const results: StepResult[] = []
  const attempt = async (client: string) => {
    const { result, installed } = await CLIENTS[client](j)
    results.push(result)
    return { ok: result.code === 0 && existsSync(installed), tail: result.lines.slice(-3).join(' | ') }
  }
  for (const client of Object.keys(CLIENTS)) expect({ client, ...(await attempt(client)) }).toMatchObject({ client, ok: false })

  const main = await runStep(j, 'main', { ...base, libraries: 'python, javascript, java' })
  results.push(main)
  expect(main.code).toBe(0)
  expect(outputs(j).libraries).toBe('python,javascript,java')
  expect(secretFileModes(j)).toEqual({ netrc: 0o600, npmrc: 0o600, 'maven-conf/settings.xml': 0o600, '.': 0o700 })
  expect(visible(main)).toContainEqual(expect.stringMatching(/^The libraries token expires at \d{4}-\d\d-\d\dT\S+Z \(about an hour\)/))
  expect(readFileSync(j.files.summary, 'utf8')).toContain('python (pip, uv); javascript (npm, pnpm); java (maven)')
  for (const client of Object.keys(CLIENTS)) expect({ client, ...(await attempt(client)) }).toMatchObject({ client, ok: true })
  // The npm tarball lives under /javascript-upstream/: the credentials cover it too.
  expect(sb.libraries.fetched).toContain(`/javascript-upstream/${PACKAGE.name}/-/${PACKAGE.name}-${PACKAGE.version}.tgz`)

  const post = await runStep(j, 'post')
  results.push(post)
  expect(visible(post)).toContain('Removed the Chainguard Libraries configuration for python, javascript, java')
  for (const client of Object.keys(CLIENTS)) expect({ client, ...(await attempt(client)) }).toMatchObject({ client, ok: false })

  expect(userBytes(j)).toEqual(Object.values(USER_FILES))
  expect(leaks(sb, j, results, { files: true })).toEqual([])
}, 240_000) // four clients, three times each

test('a second use of the action refreshes the token: clients use the new one, and each post step removes its own folder', async () => {
  const j = librariesJob()
  const second = anotherUse(j)
  expect((await runStep(j, 'main', { ...base, libraries: 'python' })).code).toBe(0)
  const first = fileCommands(j.files.env).NETRC
  await new Promise((resolve) => setTimeout(resolve, 1100)) // the STS's tokens differ by their second of issue
  expect((await runStep(second, 'main', { ...base, libraries: 'python' })).code).toBe(0)
  const refreshed = fileCommands(j.files.env).NETRC
  expect(refreshed).not.toBe(first)
  const token = (file: string) => /password (\S+)\n$/.exec(readFileSync(file, 'utf8'))?.[1]
  expect(token(refreshed)).not.toBe(token(first))
  expect((await CLIENTS.pip(j)).result.code).toBe(0)
  await runStep(second, 'post')
  await runStep(j, 'post')
  expect([existsSync(first), existsSync(refreshed)]).toEqual([false, false])
})

test('a token the index refuses for one ecosystem fails the step naming it, before anything is configured', async () => {
  const j = librariesJob()
  sb.libraries.refuse.add('java')
  const main = await runStep(j, 'main', { ...base, libraries: 'python java' }).finally(() => sb.libraries.refuse.clear())
  expect(main.code).toBe(1)
  const error = visible(main).find((l) => l.startsWith('::error::'))
  expect(error).toMatch(
    /^::error::Chainguard Libraries refused the token of \S+ for java \(HTTP 403 at https:\/\/libraries\.cgr\.dev\/java\/\): /,
  )
  expect(error).toContain('check that the organization is entitled to Chainguard Libraries for Java')
  const exported = Object.keys(fileCommands(j.files.env))
  expect(exported.filter((name) => ['NETRC', 'PIP_INDEX_URL', 'MAVEN_OPTS', 'NPM_CONFIG_USERCONFIG'].includes(name))).toEqual([])
  expect((await CLIENTS.pip(j)).result.code).not.toBe(0)
})

describe('the libraries.cgr.dev stand-in', () => {
  const get = (token: string, user = '_token') =>
    fetch('https://libraries.cgr.dev/python/simple/', {
      headers: { Authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` },
    })
  const claims = (extra: Record<string, unknown>) => ({
    iss: 'https://issuer.enforce.dev',
    sub: IDENTITY,
    aud: 'libraries.cgr.dev',
    iat: now(),
    exp: now() + 60,
    ...extra,
  })

  it('takes a token of the STS for its audience, and refuses other audiences, expired tokens, other signers and users', async () => {
    expect((await get(sign(sb.sts.signer, claims({})))).status).toBe(200)
    const refused = async (token: string, user?: string) =>
      `${(await get(token, user)).status} ${(await (await get(token, user)).text()).trim()}`
    expect(await refused(sign(sb.sts.signer, claims({ aud: 'cgr.dev' })))).toBe(
      '401 unauthorized: audience "cgr.dev" is not libraries.cgr.dev',
    )
    expect(await refused(sign(sb.sts.signer, claims({ exp: now() - 1 })))).toBe('401 unauthorized: token expired')
    expect(await refused(sign(newSigner(), claims({})))).toBe('401 unauthorized: unknown signing key')
    expect(await refused(sign(sb.sts.signer, claims({})), 'me')).toBe('401 unauthorized: username is not _token')
  })
})

test('an unknown ecosystem fails the step in one line, before any request', async () => {
  const j = librariesJob()
  const served = sb.wire.served.length
  const main = await runStep(j, 'main', { ...base, libraries: 'python ruby' })
  expect(main.code).toBe(1)
  expect(visible(main).filter((l) => l.startsWith('::error::'))).toEqual([
    `::error::Input 'libraries' must be a list of python, javascript, java; got "ruby"`,
  ])
  expect(sb.wire.served.length).toBe(served)
})

test('java without mvn on PATH fails the step in one line, before any request', async () => {
  const j = librariesJob()
  j.env.PATH = j.env.PATH.split(delimiter)
    .filter((dir) => !existsSync(join(dir, 'mvn')))
    .join(delimiter)
  const served = sb.wire.served.length
  const exchanges = sb.sts.requests.length
  const main = await runStep(j, 'main', { ...base, libraries: 'python java' })
  expect(main.code).toBe(1)
  expect(visible(main).filter((l) => l.startsWith('::error::'))).toEqual([
    "::error::Input 'libraries' lists java, but mvn is not on PATH: install Maven before this step",
  ])
  expect([sb.wire.served.length, sb.sts.requests.length]).toEqual([served, exchanges])
  expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
})
