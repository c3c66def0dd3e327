// Shared pieces of the end-to-end suite: a recording docker wrapper and leak scans.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { newJob, scratchDir, type Job, type StepResult } from '../sandbox/runner.ts'
import type { Sandbox } from '../sandbox/index.ts'

const realDocker = execFileSync('sh', ['-c', 'command -v docker']).toString().trim()
const shimDir = scratchDir('docker-shim-')
// Records every docker argv (one per line) next to the job, then runs the real CLI.
writeFileSync(
  join(shimDir, 'docker'),
  `#!/bin/sh\nprintf '%s ' "$@" >> "$RUNNER_TEMP/../docker-argv.log"\necho >> "$RUNNER_TEMP/../docker-argv.log"\nexec ${realDocker} "$@"\n`,
)
chmodSync(join(shimDir, 'docker'), 0o755)

/** A job with the runner's OIDC variables (unless `oidc` is false) and the recording docker. */
export function job(sb: Sandbox, opts: { oidc?: boolean; home?: string } = {}): Job {
  const j = newJob(opts.oidc === false ? {} : sb.github.env, opts.home)
  j.env.PATH = `${shimDir}:${j.env.PATH}`
  return j
}

export function dockerCalls(j: Job): string[] {
  const log = join(j.dir, 'docker-argv.log')
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
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
  if (opts.files) for (const f of files(j.dir)) check(f, readFileSync(f, 'utf8'))
  return found
}

/** The lines a user would see in the log: without mask commands and (hidden by default) debug lines. */
export const visible = (r: StepResult) => r.lines.filter((l) => !/^::(add-mask|debug)::/.test(l))
