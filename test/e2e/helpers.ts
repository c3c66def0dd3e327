// Shared pieces of the end-to-end suite: recording docker and podman wrappers, leak scans, users'
// docker configs to compare before and after, self-hosted jobs, and what chainctl did in a job.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { fileCommands, laterStep, newJob, scratchDir, type Job, type StepResult } from '../sandbox/runner.ts'
import { IDENTITY, PULL_IDENTITY, startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/index.ts'

const shimDir = scratchDir('cli-shim-')
// Records every docker and podman argv (one per line) next to the job, then runs the real CLI.
for (const cli of ['docker', 'podman']) {
  const real = execFileSync('sh', ['-c', `command -v ${cli}`])
    .toString()
    .trim()
  const log = `"$RUNNER_TEMP/../${cli}-argv.log"`
  writeFileSync(join(shimDir, cli), `#!/bin/sh\nprintf '%s ' "$@" >> ${log}\necho >> ${log}\nexec ${real} "$@"\n`)
  chmodSync(join(shimDir, cli), 0o755)
}

/** The sandbox of a test file (or describe block): started before its tests, stopped after them. */
export function useSandbox(opts?: SandboxOptions): Sandbox {
  const sb = {} as Sandbox
  beforeAll(async () => void Object.assign(sb, await startSandbox(opts)))
  afterAll(() => sb.stop())
  return sb
}

/** A job with the runner's OIDC variables (unless `oidc` is false) and the recording docker. */
export function job(sb: Sandbox, opts: { oidc?: boolean; home?: string } = {}): Job {
  const j = newJob(opts.oidc === false ? {} : sb.github.env, opts.home)
  j.env.PATH = `${shimDir}:${j.env.PATH}`
  return j
}

/** Every run of a CLI in the job, as its argv on one line (the fake chainctl records its own too). */
function calls(j: Job, cli: 'docker' | 'podman' | 'chainctl'): string[] {
  const log = join(j.dir, `${cli}-argv.log`)
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}
export const dockerCalls = (j: Job) => calls(j, 'docker')
export const podmanCalls = (j: Job) => calls(j, 'podman')
export const chainctlCalls = (j: Job) => calls(j, 'chainctl')

/** A job on a self-hosted runner whose HOME other jobs share. */
export function selfHosted(sb: Sandbox, home: string, opts: { oidc?: boolean } = {}): Job {
  const j = job(sb, { home, ...opts })
  j.env.RUNNER_ENVIRONMENT = 'self-hosted'
  return j
}

/** The inputs of a registry login alone (no chainctl install): with the job's identity, with docker alone, or with the pull token. */
export const loginOnly = { identity: IDENTITY, install: 'false' }
export const dockerLoginOnly = { ...loginOnly, 'container-cli': 'docker' }
export const pullTokenLogin = (sb: Sandbox) => ({
  username: PULL_IDENTITY,
  password: sb.pullToken,
  install: 'false',
  'container-cli': 'docker',
})

/** skopeo in a later step of the job: whether the registry login it finds lets it read the sandbox's image. */
export const skopeo = (j: Job) =>
  laterStep(j, 'skopeo', ['inspect', '--retry-times', '0', '--format', '{{.Name}}', 'docker://cgr.dev/chainguard/hello:latest'])

/** Who podman (in a later step) is logged in to cgr.dev as, from the auth file it reads itself. */
export const podmanLogin = async (j: Job) => {
  const r = await laterStep(j, 'podman', ['login', '--get-login', 'cgr.dev'])
  return r.code === 0 ? r.stdout.trim() : `not logged in: ${r.stderr.trim()}`
}
export const podmanAuth = (j: Job) => join(j.env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
export const exportedDockerConfig = (j: Job) => fileCommands(j.files.env).DOCKER_CONFIG
export const CLIS = ['docker', 'podman', 'docker,podman']

/** A second use of the action in the same job: the same job, with a state of its own (as the runner keeps per step). */
export function anotherUse(j: Job): Job {
  const state = join(j.dir, `state-${readdirSync(j.dir).length}`)
  writeFileSync(state, '')
  return { ...j, files: { ...j.files, state }, env: { ...j.env, GITHUB_STATE: state } }
}

export function dockerConfig(j: Job): { auths?: Record<string, unknown> } {
  const path = join(j.home, '.docker/config.json')
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {}
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  })
}

/**
 * Where a secret shows: printed lines other than ::add-mask::, docker argv, and (when `files`
 * is set, i.e. after the post step) any file the job has left, raw or base64-encoded.
 */
export function leaks(sb: Sandbox, j: Job, results: StepResult[], opts: { files?: boolean } = {}): string[] {
  const secrets = sb.secrets().filter((s) => s.length > 8)
  const found: string[] = []
  const check = (where: string, text: string) => {
    for (const s of secrets) {
      if (text.includes(s)) found.push(`${where}: ${s.slice(0, 12)}...`)
      if (opts.files && text.includes(Buffer.from(`_token:${s}`).toString('base64'))) found.push(`${where}: base64 ${s.slice(0, 12)}...`)
    }
  }
  for (const r of results) for (const line of r.lines) if (!line.startsWith('::add-mask::')) check('printed', line)
  check('docker argv', dockerCalls(j).join('\n'))
  check('podman argv', podmanCalls(j).join('\n'))
  if (opts.files) for (const f of files(j.dir)) check(f, readFileSync(f, 'utf8'))
  return found
}

/** chainctl's token cache: the job's own, beside its verified copy (XDG_CACHE_HOME for chainctl alone). */
export const tokenCache = (j: Job) => {
  const copy = readdirSync(j.env.RUNNER_TEMP).find((f) => f.startsWith('chainctl-'))
  return copy ? join(j.env.RUNNER_TEMP, copy, 'cache', 'chainguard') : join(j.env.RUNNER_TEMP, 'none')
}

/** The lines a user would see in the log: without mask commands and (hidden by default) debug lines. */
export const visible = (r: StepResult) => r.lines.filter((l) => !/^::(add-mask|debug)::/.test(l))

/** The warnings a step printed. */
export const warnings = (r: StepResult) => visible(r).filter((l) => l.startsWith('::warning::'))

export const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64')

/**
 * A docker config with more in it than credentials, as users have them: settings of every kind,
 * credential helpers and logins for other registries, and (with `credsStore`) a credential store.
 * Valid for docker 28, which drops what it cannot parse when it rewrites a config.
 */
export function richDockerConfig(opts: { credsStore?: string } = {}): Record<string, unknown> {
  return {
    auths: {
      'ghcr.io': { auth: basic('octocat', 'ghp_user-own-token') },
      'registry.example.com:5000': { auth: basic('ci', 'pass'), identitytoken: 'refresh-token-of-the-user' },
    },
    credHelpers: { 'gcr.io': 'gcloud', '123456789012.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' },
    ...(opts.credsStore ? { credsStore: opts.credsStore } : {}),
    detachKeys: 'ctrl-e,e',
    psFormat: 'table {{.ID}}\t{{.Image}}\t{{.Names}}',
    imagesFormat: 'table {{.Repository}}:{{.Tag}}',
    proxies: { default: { httpProxy: 'http://proxy.internal:3128', noProxy: 'localhost,127.0.0.1' } },
    aliases: { builder: 'buildx' },
    features: { hooks: 'false' },
    currentContext: 'default',
    plugins: { debug: { hooks: 'exec' } },
  }
}

/** Writes a user's docker config as docker does (tab-indented); returns its text. */
export function writeDockerConfig(dir: string, config: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true })
  const text = JSON.stringify(config, null, '\t')
  writeFileSync(join(dir, 'config.json'), text, { mode: 0o600 })
  return text
}

export const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8'))

type Entries = Record<string, unknown>
/** Which top-level keys, and which entries of auths and credHelpers, differ between two configs. */
export function configDiff(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = (...objects: Array<object | undefined>) => [...new Set(objects.flatMap((o) => Object.keys(o ?? {})))]
  const diff: string[] = []
  for (const key of keys(before, after)) {
    if (key === 'auths' || key === 'credHelpers') {
      const [a, b] = [before[key] as Entries | undefined, after[key] as Entries | undefined]
      if (!a !== !b) diff.push(key)
      for (const registry of keys(a, b)) if (!isDeepStrictEqual(a?.[registry], b?.[registry])) diff.push(`${key}.${registry}`)
    } else if (!isDeepStrictEqual(before[key], after[key])) diff.push(key)
  }
  return diff.sort()
}

/**
 * A docker credential store (`credsStore: teststore`) on the job's PATH that keeps what docker
 * stores in a folder, one file per server; `stored()` lists the servers it holds.
 */
export function credentialStore(j: Job): { name: string; stored: () => string[] } {
  const bin = scratchDir('credstore-')
  const store = join(bin, 'store')
  mkdirSync(store)
  const script = `#!/bin/sh
set -e
case "$1" in
  store) input=$(cat); server=$(printf %s "$input" | jq -r .ServerURL); printf %s "$input" > "${store}/$(printf %s "$server" | base64 -w0)" ;;
  get) server=$(cat); f="${store}/$(printf %s "$server" | base64 -w0)"; if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) server=$(cat); rm -f "${store}/$(printf %s "$server" | base64 -w0)" ;;
  list) echo '{}' ;;
esac
`
  writeFileSync(join(bin, 'docker-credential-teststore'), script, { mode: 0o755 })
  j.env.PATH = `${bin}:${j.env.PATH}`
  return { name: 'teststore', stored: () => readdirSync(store).map((f) => Buffer.from(f, 'base64').toString()) }
}

/** Makes the fake chainctl fail one login each, as `<HTTP status> [<audience>]` says (see fake-chainctl.sh). */
export function failChainctlLogins(j: Job, ...failures: string[]): void {
  const dir = join(j.dir, 'chainctl-fail-logins')
  mkdirSync(dir, { recursive: true })
  failures.forEach((f, i) => writeFileSync(join(dir, String(i)), `${f}\n`))
}

/** Puts back what a chainctl test may change in the stand-ins: download faults, STS hangs, the wire's delays and records. */
export function resetStandIns(sb: Sandbox): void {
  sb.downloads.requests.length = 0
  sb.downloads.tamper = false
  sb.downloads.faults.length = 0
  sb.sts.faults.length = 0 // a test whose chainctl logins were stopped early leaves no hang for the next
  sb.wire.delayMs = 0
  sb.wire.slow = {}
  sb.wire.served.length = 0
}

/** chainctl's three logins for an identity: the API's, apk's and libraries'. */
export const LOGINS = [
  `auth login --identity ${IDENTITY} -v=0 `,
  `auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=0 `,
  `auth login --identity ${IDENTITY} --audience libraries.cgr.dev -v=0 `,
]
/** Every chainctl executable in the job's tool cache, as <tool>/<version>/<arch>/chainctl. */
export const cacheEntries = (j: Job) =>
  readdirSync(j.env.RUNNER_TOOL_CACHE, { recursive: true })
    .map(String)
    .filter((p) => /(^|\/)chainctl$/.test(p) && statSync(join(j.env.RUNNER_TOOL_CACHE, p)).isFile())
