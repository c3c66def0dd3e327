// readInputs() end to end, as the runner hands inputs over: INPUT_* variables, read by @actions/core.
import { jest } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDirs } from '../test/tempdirs.ts'
import { readInputs, InputError } from '../src/inputs.js'

const ID = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const scratch = tempDirs('readinputs-')
let printed: string[]
const set: string[] = []

/** Sets the inputs as the runner does (INPUT_<NAME>, dashes kept), for this test only. */
function given(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    const key = `INPUT_${name.toUpperCase()}`
    process.env[key] = value
    set.push(key)
  }
}

beforeEach(() => {
  printed = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed.push(String(chunk)), true))
})
afterEach(() => {
  jest.restoreAllMocks()
  for (const key of set.splice(0)) delete process.env[key]
})

const refusal = (): string => {
  try {
    readInputs()
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as Error).message
  }
  throw new Error('the inputs were taken')
}

it('masks the pull token before anything else is printed, even when the inputs are then refused', () => {
  given({ username: ID, password: '  s3cr3t-pull-token  ', identity: ID })
  expect(refusal()).toMatch(/^Input 'identity' must be empty when username\/password/)
  expect(printed[0]).toBe('::add-mask::s3cr3t-pull-token\n')
  expect(printed.join('')).not.toMatch(/s3cr3t.*s3cr3t/s) // the mask command is the one place it appears
})

it('masks nothing for an OIDC login', () => {
  given({ identity: ID })
  expect(readInputs().auth).toEqual({ kind: 'oidc', identity: ID, audience: 'issuer.enforce.dev' })
  expect(printed).toEqual([])
})

it('refuses the credential helper for a pull token login: the helper needs the OIDC token', () => {
  given({ username: ID, password: 'tok', 'credential-helper': 'true' })
  expect(refusal()).toBe("Input 'credential-helper' needs 'identity': the helper exchanges the job's OIDC token")
  given({ identity: ID })
  delete process.env.INPUT_USERNAME
  delete process.env.INPUT_PASSWORD
  expect(readInputs().credentialHelper).toBe(true)
})

it('reads libraries-host, output-token and every other input from the environment', () => {
  given({
    identity: ID,
    'libraries-host': 'Libraries.Example.com',
    'output-token': 'true',
    'job-summary': 'false',
    'container-cli': 'podman',
    'docker-config': 'isolated',
  })
  expect(readInputs()).toMatchObject({
    chainctl: { librariesHost: 'libraries.example.com' },
    outputToken: true,
    jobSummary: false,
    containerCli: { auto: false, clis: ['podman'] },
    dockerConfig: 'isolated',
  })
})

it('refuses a docker-config that names a file, and takes a folder', () => {
  given({ identity: ID, 'docker-config': '/etc/hostname' })
  expect(refusal()).toBe(`Input 'docker-config' must be empty, 'isolated' or a folder path, not a file; got "/etc/hostname"`)
  given({ 'docker-config': '~/' })
  expect(readInputs().dockerConfig).toBe('~/')
  given({ 'docker-config': '/no/such/folder/yet' })
  expect(readInputs().dockerConfig).toBe('/no/such/folder/yet')
})

it("takes 'isolated' as the word, even where a file of that name exists", () => {
  const cwd = process.cwd()
  const dir = scratch()
  writeFileSync(join(dir, 'isolated'), '')
  process.chdir(dir)
  try {
    given({ identity: ID, 'docker-config': 'isolated' })
    expect(readInputs().dockerConfig).toBe('isolated')
  } finally {
    process.chdir(cwd)
  }
})

describe('with nothing on PATH', () => {
  const path = process.env.PATH
  beforeEach(() => (process.env.PATH = scratch()))
  afterEach(() => (process.env.PATH = path))

  it('names a container CLI that is not installed before any request, unless none is needed', () => {
    given({ identity: ID, 'container-cli': 'docker' })
    expect(refusal()).toBe('docker is not on PATH: install it or set container-cli (auto, none, docker, podman)')
    given({ 'container-cli': 'auto' }) // auto logs in whichever is there
    expect(readInputs().containerCli.auto).toBe(true)
    given({ 'container-cli': 'podman', 'credential-helper': 'true' }) // the helper logs no CLI in
    expect(readInputs().credentialHelper).toBe(true)
  })

  it('names Maven missing for java libraries before any request, and needs it for java only', () => {
    given({ identity: ID, libraries: 'python' })
    expect(readInputs().libraries.ecosystems).toEqual(['python'])
    given({ libraries: 'python java' })
    expect(() => readInputs()).toThrow("Input 'libraries' lists java, but mvn is not on PATH: install Maven before this step")
  })
})
